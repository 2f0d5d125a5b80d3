# Handles under gctorture: every allocation collects, so an unprotected object or a handle freed while in use
# fails here. Only the shim's routines run under it (R code, jsonlite's above all, would take minutes).

test_that("the shim's create, fit, partial_fit, predict, attribute, save and load survive gctorture", {
  x <- matrix(c(1, 2, 3, 4, 5, 6, 2, 1, 4, 3, 6, 5), ncol = 2)
  y <- c(1, 2, 3, 4, 5, 6)
  sparse <- methods::as(Matrix::Matrix(x, sparse = TRUE), "RsparseMatrix")
  json <- franca:::params_json(franca:::estimator_spec("Ridge"), list(alpha = 0.1))
  gctorture(TRUE)
  state <- .Call(franca:::C_fit, "Ridge", json, .Call(franca:::C_matrix_dense, x), y, NULL, NULL)
  predicted <- .Call(franca:::C_apply_method, state, "predict", .Call(franca:::C_matrix_dense, x))
  from_csr <- .Call(franca:::C_apply_method, state, "predict",
                    .Call(franca:::C_matrix_csr, sparse@p, sparse@j, sparse@x, 6L, 2L))
  coefficients <- .Call(franca:::C_get_attribute, state, "coef_")
  restored <- unserialize(serialize(state, NULL))
  again <- .Call(franca:::C_apply_method, restored, "predict", .Call(franca:::C_matrix_dense, x))
  hashing <- .Call(franca:::C_fit, "HashingVectorizer", "{\"n_features\": 8}",
                   .Call(franca:::C_matrix_strings, c("one two", "three four")), NULL, NULL, NULL)
  words <- .Call(franca:::C_apply_method, hashing, "transform", .Call(franca:::C_matrix_strings, "five six"))
  scaler <- .Call(franca:::C_fit, "StandardScaler", "{}", .Call(franca:::C_matrix_dense, x[1:3, ]), NULL, NULL, NULL)
  scaler <- .Call(franca:::C_fit, "StandardScaler", "{}", .Call(franca:::C_matrix_dense, x[4:6, ]), NULL, NULL,
                  scaler) # partial_fit, on a copy made through the model's bytes
  means <- .Call(franca:::C_get_attribute, scaler, "mean_")
  messages <- .Call(franca:::C_take_log_messages)
  params <- .Call(franca:::C_model_params, restored)
  listing <- .Call(franca:::C_estimator_list)
  defaults <- .Call(franca:::C_get_params, "Ridge", "{}")
  gctorture(FALSE)
  expect_match(params, "\"alpha\": ?0.1")
  expect_match(listing, "\"Ridge\"")
  expect_match(defaults, "\"alpha\": ?1")
  expect_equal(again, predicted)
  expect_equal(from_csr, predicted)
  expect_equal(means, colMeans(x))
  expect_length(coefficients, 2L)
  expect_length(words, 4L) # CSR: indptr, indices, data, dim
  expect_named(messages, c("level", "text"))
  rm(state, restored, hashing)
  invisible(gc()) # the finalizers free the handles
})
