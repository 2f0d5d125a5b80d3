# Handles under gctorture: every allocation collects, so an unprotected object or a handle freed while in use
# fails here. Kept to a small model: gctorture makes each R allocation a full collection.

test_that("create, fit, predict, save and load survive gctorture", {
  x <- matrix(c(1, 2, 3, 4, 5, 6, 2, 1, 4, 3, 6, 5), ncol = 2)
  y <- c(1, 2, 3, 4, 5, 6)
  model <- Ridge(alpha = 0.1)
  gctorture(TRUE)
  fitted <- fit(model, x, y)
  predicted <- predict(fitted, x)
  coefficients <- fitted$coef_
  restored <- unserialize(serialize(fitted, NULL))
  again <- predict(restored, x)
  words <- predict(fit(HashingVectorizer(n_features = 8), c("one two", "three four")), c("five six"))
  gctorture(FALSE)
  expect_equal(again, predicted)
  expect_length(coefficients, 2L)
  expect_s4_class(words, "dgRMatrix")
  rm(fitted, restored)
  gc() # the finalizers free the handles
  expect_true(TRUE)
})
