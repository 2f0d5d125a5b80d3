# The Python binding's numbers on the same data (tools/python_reference.py wrote them): the same library, so the
# same results up to the order of floating-point sums.
tolerance <- 1e-10

test_that("regressors and transformers give the Python binding's numbers", {
  ref <- reference()
  for (name in c("Ridge", "Lasso", "ElasticNet", "RandomForestRegressor", "StandardScaler")) {
    expected <- ref$results[[name]]
    model <- fit(do.call(franca_model, c(list(name), expected$params)), ref$X, ref$y)
    if (!is.null(expected$predict)) {
      expect_equal(predict(model, ref$X), expected$predict, tolerance = tolerance, label = name)
    } else {
      expect_equal(predict(model, ref$X), expected$transform, tolerance = tolerance, label = name)
    }
    if (!is.null(expected$coef_)) {
      expect_equal(model$coef_, expected$coef_, tolerance = tolerance, label = paste(name, "coef_"))
      expect_equal(as.vector(model$intercept_), expected$intercept_, tolerance = tolerance)
    }
  }
})

test_that("a classifier on character labels gives the Python binding's classes, labels and probabilities", {
  ref <- reference()
  expected <- ref$results$LogisticRegression
  model <- fit(do.call(LogisticRegression, expected$params), ref$X, ref$labels)
  expect_identical(model$classes_, expected$classes_)
  expect_identical(predict(model, ref$X), expected$predict)
  probabilities <- predict(model, ref$X, type = "prob")
  expect_identical(colnames(probabilities), expected$classes_)
  expect_equal(unname(probabilities), expected$predict_proba, tolerance = tolerance)
  expect_equal(model$coef_, expected$coef_, tolerance = tolerance)
})

test_that("text estimators give the Python binding's numbers", {
  ref <- reference()
  hashing <- fit(HashingVectorizer(n_features = 32), ref$documents)
  expect_equal(as.matrix(predict(hashing, ref$documents)), ref$results$HashingVectorizer$transform,
               tolerance = tolerance, ignore_attr = TRUE)
  counts <- methods::as(Matrix::Matrix(ref$counts, sparse = TRUE), "RsparseMatrix")
  tfidf <- fit(TfidfTransformer(), counts)
  expect_equal(as.matrix(predict(tfidf, counts)), ref$results$TfidfTransformer$transform, tolerance = tolerance,
               ignore_attr = TRUE)
})
