# Bad input of every kind gives its R condition, with the library's message; none crashes R.

test_that("parameters are checked when the model is made", {
  expect_error(LogisticRegression(C = -1), "C", class = "franca_value_error")
  expect_error(LogisticRegression(C = "ten"), "C", class = "franca_type_error")
  expect_error(Ridge(solver = "magic"), "solver", class = "franca_value_error")
  expect_error(franca_model("Ridge", colour = 1), "colour", class = "franca_value_error")
  expect_error(franca_model("NoSuchEstimator"), "NoSuchEstimator", class = "franca_not_found_error")
  expect_error(franca_model("Ridge", 1), "named", class = "franca_value_error")
})

test_that("wrong data give value and type errors", {
  x <- matrix(rnorm(20), ncol = 2)
  expect_error(fit(Ridge(), x, rnorm(3)), class = "franca_value_error")
  expect_error(fit(Ridge(), x), "needs a target", class = "franca_value_error")
  expect_error(fit(Ridge(), x, letters[1:10]), class = "franca_type_error")
  expect_error(fit(Ridge(), data.frame(a = 1:10, b = letters[1:10]), rnorm(10)), "column 'b'",
               class = "franca_type_error")
  expect_error(fit(Ridge(), list(1, 2), rnorm(2)), class = "franca_type_error")
  expect_error(fit(Ridge(), array(0, c(2, 2, 2)), rnorm(2)), class = "franca_value_error")
  expect_error(fit(Ridge(), c("some", "text"), rnorm(2)), class = "franca_type_error")
  expect_error(fit(HashingVectorizer(), Matrix::Matrix(x, sparse = TRUE)), class = "franca_type_error")
  expect_error(fit(HashingVectorizer(), c("a", NA)), "NA", class = "franca_value_error")
  expect_error(fit(Ridge(), x, rnorm(10), sample_weight = rnorm(4)), class = "franca_value_error")
  with_nan <- x
  with_nan[1, 1] <- NaN
  expect_error(fit(Ridge(), with_nan, rnorm(10)), class = "franca_value_error")
  model <- fit(Ridge(), x, rnorm(10))
  expect_error(predict(model, matrix(rnorm(9), ncol = 3)), class = "franca_value_error")
  expect_error(predict(model, x, type = "prob"), "prob", class = "franca_value_error")
  expect_error(model$no_such_attribute_, class = "franca_not_found_error")
  expect_error(fit(LogisticRegression(), x, rep("one", 10)), class = "franca_value_error")
})

test_that("an unfitted model raises franca_not_fitted_error", {
  expect_error(predict(Ridge(), matrix(1)), class = "franca_not_fitted_error")
  expect_error(Ridge()$coef_, class = "franca_not_fitted_error")
  expect_error(coef(StandardScaler()), class = "franca_not_found_error")
})

test_that("a model whose bytes are damaged raises franca_corrupt_model_error", {
  model <- fit(Ridge(), matrix(rnorm(20), ncol = 2), rnorm(10))
  bytes <- serialize(model, NULL)
  magic <- charToRaw("FRANCAM")
  starts <- which(bytes == magic[[1L]])
  start <- starts[vapply(starts, function(i) identical(bytes[i + 0:6], magic), TRUE)][[1L]]
  bytes[start + 40L] <- as.raw(bitwXor(as.integer(bytes[start + 40L]), 0xff))
  damaged <- unserialize(bytes)
  expect_error(predict(damaged, matrix(1:2, ncol = 2)), class = "franca_corrupt_model_error")
  expect_error(predict(damaged, matrix(1:2, ncol = 2)), class = "franca_value_error")
})

test_that("warnings of the library are R warnings and its messages R messages", {
  x <- matrix(rnorm(200), ncol = 2)
  y <- factor(x[, 1] + rnorm(100) > 0)
  expect_warning(fit(LogisticRegression(max_iter = 1), x, y), "max_iter", class = "franca_warning")
  franca_log_level("info")
  on.exit(franca_log_level("warn"))
  messages <- capture_messages(fit(LogisticRegression(), x, y))
  expect_true(any(grepl("^franca: LogisticRegression", messages)))
})
