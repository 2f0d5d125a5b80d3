# Independent references: R's glm, glmnet and randomForest.

test_that("unpenalised logistic regression matches glm", {
  set.seed(1)
  x <- matrix(rnorm(400 * 3), ncol = 3, dimnames = list(NULL, c("a", "b", "c")))
  y <- factor(ifelse(x %*% c(1, -1, 0.5) + rnorm(400) > 0, "up", "down"))
  model <- fit(LogisticRegression(penalty = "none", tol = 1e-10, max_iter = 1000), x, y)
  reference <- stats::glm(y ~ x, family = stats::binomial())
  # glm models the second level ("up"), as the library models its larger code.
  expect_equal(unname(coef(model)), unname(stats::coef(reference)), tolerance = 1e-5)
  expect_equal(unname(predict(model, x, type = "prob")[, "up"]), unname(stats::fitted(reference)), tolerance = 1e-5)
})

# glmnet's gaussian objective, 1/(2n) RSS + lambda (alpha |b|_1 + (1 - alpha)/2 |b|_2^2), is ElasticNet's with
# lambda = alpha and alpha = l1_ratio, and Ridge's (RSS + alpha |b|^2) with lambda = alpha / n, alpha = 0. glmnet
# scales y to unit variance inside, which changes the L2 objective unless y's variance is 1: so it is.
glmnet_problem <- function() {
  set.seed(2)
  x <- matrix(rnorm(200 * 6), ncol = 6)
  y <- drop(x %*% c(2, -1, 0, 0, 1, 0.5)) + rnorm(200)
  y <- (y - mean(y)) / sqrt(mean((y - mean(y))^2))
  list(x = x, y = y)
}

glmnet_coef <- function(problem, lambda, alpha) {
  fitted <- glmnet::glmnet(problem$x, problem$y, family = "gaussian", alpha = alpha, lambda = lambda,
                           standardize = FALSE, thresh = 1e-14, maxit = 1e6)
  as.vector(stats::coef(fitted))
}

test_that("Lasso and ElasticNet match glmnet", {
  skip_if_not_installed("glmnet")
  problem <- glmnet_problem()
  lasso <- fit(Lasso(alpha = 0.05, tol = 1e-12, max_iter = 100000), problem$x, problem$y)
  expect_equal(unname(coef(lasso)), glmnet_coef(problem, 0.05, 1), tolerance = 1e-6)
  enet <- fit(ElasticNet(alpha = 0.1, l1_ratio = 0.4, tol = 1e-12, max_iter = 100000), problem$x, problem$y)
  expect_equal(unname(coef(enet)), glmnet_coef(problem, 0.1, 0.4), tolerance = 1e-6)
})

test_that("Ridge matches glmnet", {
  skip_if_not_installed("glmnet")
  problem <- glmnet_problem()
  ridge <- fit(Ridge(alpha = 20), problem$x, problem$y)
  expect_equal(unname(coef(ridge)), glmnet_coef(problem, 20 / nrow(problem$x), 0), tolerance = 1e-6)
})

test_that("a random forest classifies as accurately as randomForest", {
  skip_if_not_installed("randomForest")
  set.seed(3)
  n <- 600
  x <- data.frame(matrix(rnorm(n * 6), ncol = 6))
  y <- factor(ifelse(x$X1 * x$X2 + sin(2 * x$X3) + 0.3 * rnorm(n) > 0, "pos", "neg"))
  train <- seq_len(400)
  test <- setdiff(seq_len(n), train)
  forest <- fit(RandomForestClassifier(n_estimators = 100, random_state = 1), x[train, ], y[train])
  ours <- mean(predict(forest, x[test, ]) == y[test])
  theirs <- mean(stats::predict(randomForest::randomForest(x[train, ], y[train], ntree = 100), x[test, ]) == y[test])
  expect_gt(ours, theirs - 0.05)
  expect_gt(ours, 0.7)
})
