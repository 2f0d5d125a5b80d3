test_that("saveRDS and readRDS in a new R session give the same predictions", {
  path <- tempfile(fileext = ".rds")
  on.exit(unlink(path))
  model <- fit(LogisticRegression(max_iter = 1000), iris[, 1:4], iris$Species)
  saveRDS(model, path)
  expected <- predict(model, iris, type = "prob")
  # A fresh R that has not loaded franca: readRDS must load it for the model's state.
  output <- run_r(c(sprintf("model <- readRDS('%s')", path), "p <- predict(model, iris, type = 'prob')",
                    "cat(format(p[c(1, 51, 101), ], digits = 15), sep = '\\n')",
                    "cat(as.character(predict(model, iris[c(1, 51, 101), ])), sep = '\\n')"))
  expect_equal(as.numeric(output[1:9]), as.vector(expected[c(1, 51, 101), ]), tolerance = 1e-12)
  expect_identical(output[10:12], c("setosa", "versicolor", "virginica"))
})

test_that("a model read back in this session is loaded once and predicts the same", {
  model <- fit(RandomForestRegressor(n_estimators = 10, random_state = 0), as.matrix(mtcars[, -1]), mtcars$mpg)
  restored <- unserialize(serialize(model, NULL))
  expect_identical(predict(restored, mtcars), predict(model, mtcars))
  expect_identical(restored$feature_importances_, model$feature_importances_)
})
