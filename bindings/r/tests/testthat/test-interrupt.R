test_that("Ctrl-C during a fit cancels it and interrupts R", {
  skip_on_os("windows")
  # A child R sends itself SIGINT a second into a fit of about a minute (one thread, whatever the machine's cores)
  # and reports what it caught. One top-level expression: Rscript drops an interrupt that lands between expressions
  # and goes on to the next.
  output <- run_r(c(
    "library(franca)",
    "franca_set_threads(1)",
    "local({",
    "  set.seed(1); x <- matrix(rnorm(20000 * 10), ncol = 10); y <- rnorm(20000)",
    "  system(sprintf('(sleep 1; kill -INT %d)', Sys.getpid()), wait = FALSE)",
    "  started <- Sys.time()",
    "  caught <- tryCatch({ fit(RandomForestRegressor(n_estimators = 2000, min_samples_leaf = 20), x, y); 'finished' },",
    "                     interrupt = function(e) 'interrupted')",
    "  cat(caught, as.numeric(difftime(Sys.time(), started, units = 'secs')), '\\n')",
    "  model <- fit(Ridge(), x[1:100, ], y[1:100])", # the context's cancel flag was cleared
    "  cat('after', length(predict(model, x[1:5, ])), '\\n')",
    "})"
  ))
  result <- strsplit(grep("^(interrupted|finished)", output, value = TRUE), " ")[[1L]]
  expect_identical(result[[1L]], "interrupted")
  expect_lt(as.numeric(result[[2L]]), 10)
  expect_true(any(grepl("^after 5", output)))
})
