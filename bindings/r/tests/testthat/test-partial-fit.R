test_that("partial_fit on two batches gives the fit on all rows, and leaves its argument as it was", {
  set.seed(6)
  x <- matrix(rnorm(300, mean = 3), ncol = 3)
  first <- partial_fit(StandardScaler(), x[1:40, ])
  both <- partial_fit(first, x[41:100, ])
  whole <- fit(StandardScaler(), x)
  expect_equal(both$mean_, whole$mean_, tolerance = 1e-12)
  expect_equal(both$var_, whole$var_, tolerance = 1e-12)
  expect_equal(both$mean_, colMeans(x), tolerance = 1e-12)
  expect_equal(first$mean_, colMeans(x[1:40, ]), tolerance = 1e-12)
  expect_equal(predict(both, x), predict(whole, x), tolerance = 1e-12)
})

test_that("partial_fit is refused where the listing has none", {
  expect_error(partial_fit(Ridge(), matrix(rnorm(10), ncol = 1), rnorm(10)), "partial_fit",
               class = "franca_not_implemented_error")
})

test_that("an attribute the fit's parameters leave out is NULL", {
  model <- fit(StandardScaler(with_mean = FALSE, with_std = FALSE), matrix(rnorm(10), ncol = 2))
  expect_null(model$mean_)
  expect_null(model$scale_)
  expect_error(model$no_such_attribute_, class = "franca_not_found_error")
})
