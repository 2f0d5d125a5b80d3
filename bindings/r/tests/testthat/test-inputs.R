# Every input kind gives what the same data as a double matrix give.

problem <- function() {
  set.seed(4)
  x <- matrix(rnorm(60 * 4), ncol = 4, dimnames = list(NULL, paste0("f", 1:4)))
  x[sample(length(x), 60)] <- 0 # zeros, so that the sparse forms are sparse
  list(x = x, y = drop(x %*% c(1, 2, -1, 0.5)) + rnorm(60))
}

test_that("data.frames, integer matrices and sparse matrices give the double matrix's model", {
  p <- problem()
  expected <- predict(fit(Ridge(alpha = 0.3), p$x, p$y), p$x)
  for (x in list(as.data.frame(p$x), Matrix::Matrix(p$x, sparse = TRUE),
                 methods::as(Matrix::Matrix(p$x, sparse = TRUE), "RsparseMatrix"))) {
    model <- fit(Ridge(alpha = 0.3), x, p$y)
    expect_equal(predict(model, x), expected, tolerance = 1e-10, label = class(x)[[1L]])
  }
  rounded <- round(p$x * 10)
  storage.mode(rounded) <- "integer"
  as_double <- rounded
  storage.mode(as_double) <- "double"
  expect_equal(predict(fit(Ridge(), rounded, p$y), rounded), predict(fit(Ridge(), as_double, p$y), as_double),
               tolerance = 1e-12)
})

test_that("an integer NA is a missing value, not the int32 minimum", {
  x <- matrix(c(1L, 2L, NA, 4L, 5L, 6L, 7L, 8L), ncol = 2)
  model <- fit(RandomForestRegressor(n_estimators = 5, random_state = 0), x, c(1, 2, 3, 4))
  expect_false(anyNA(predict(model, x)))
  expect_error(fit(Ridge(), x, c(1, 2, 3, 4)), class = "franca_value_error")
})

test_that("newdata's columns are matched by name", {
  p <- problem()
  model <- fit(Ridge(), as.data.frame(p$x), p$y)
  shuffled <- as.data.frame(p$x)[, c(4, 2, 1, 3)]
  expect_equal(predict(model, shuffled), predict(model, as.data.frame(p$x)))
  expect_error(predict(model, shuffled[, 1:3]), "no column 'f3'", class = "franca_value_error")
})

test_that("factor labels come back as factors of the same levels, unused levels kept", {
  y <- factor(rep(c("b", "c"), each = 25), levels = c("a", "b", "c"))
  x <- matrix(c(rnorm(25, -2), rnorm(25, 2)), ncol = 1)
  model <- fit(LogisticRegression(), x, y)
  predicted <- predict(model, x)
  expect_s3_class(predicted, "factor")
  expect_identical(levels(predicted), c("a", "b", "c"))
  expect_identical(colnames(predict(model, x, type = "prob")), c("b", "c"))
  expect_gt(mean(predicted == y), 0.9)
  expect_identical(model$classes_, factor(c("a", "b", "c")))
})

test_that("integer and logical labels come back in their type", {
  x <- matrix(c(rnorm(20, -3), rnorm(20, 3)), ncol = 1)
  expect_identical(predict(fit(LogisticRegression(), x, rep(c(3L, 7L), each = 20)), x), rep(c(3L, 7L), each = 20))
  expect_identical(predict(fit(LogisticRegression(), x, rep(c(FALSE, TRUE), each = 20)), x),
                   rep(c(FALSE, TRUE), each = 20))
})

test_that("class_weight is keyed by the labels", {
  x <- matrix(rnorm(40), ncol = 1)
  y <- factor(rep(c("rare", "common"), c(5, 35)))
  unweighted <- fit(LogisticRegression(), x, y)
  weighted <- fit(LogisticRegression(class_weight = list(rare = 10, common = 1)), x, y)
  expect_gt(mean(predict(weighted, x) == "rare"), mean(predict(unweighted, x) == "rare"))
  expect_error(fit(LogisticRegression(class_weight = list(other = 1)), x, y), "other",
               class = "franca_value_error")
})

test_that("a forest takes several columns of labels and returns one factor per column", {
  set.seed(5)
  x <- matrix(rnorm(200), ncol = 2)
  y <- data.frame(sign = factor(ifelse(x[, 1] > 0, "pos", "neg")), big = abs(x[, 2]) > 1)
  model <- fit(RandomForestClassifier(n_estimators = 20, random_state = 0), x, y)
  predicted <- predict(model, x)
  expect_named(predicted, c("sign", "big"))
  expect_identical(levels(predicted$sign), c("neg", "pos"))
  expect_type(predicted$big, "logical")
  expect_gt(mean(predicted$sign == y$sign), 0.95)
  probabilities <- predict(model, x, type = "prob")
  expect_length(probabilities, 2L)
  expect_identical(colnames(probabilities[[1L]]), c("neg", "pos"))
})

test_that("fit leaves its argument unfitted", {
  model <- LinearRegression()
  fitted <- fit(model, matrix(1:10, ncol = 1) + 0, as.double(1:10))
  expect_null(model$state)
  expect_error(predict(model, matrix(1)), class = "franca_not_fitted_error")
  expect_equal(predict(fitted, matrix(11)), 11, tolerance = 1e-6)
})
