reference <- function() {
  jsonlite::fromJSON(test_path("python_reference.json"), simplifyVector = TRUE, simplifyMatrix = TRUE)
}

# Runs R code in a fresh R process that finds this franca (R CMD check installs it in a library of its own).
run_r <- function(code, ...) {
  script <- tempfile(fileext = ".R")
  writeLines(code, script)
  on.exit(unlink(script))
  withr_libs <- paste(.libPaths(), collapse = .Platform$path.sep)
  system2(file.path(R.home("bin"), "Rscript"), c("--vanilla", script), stdout = TRUE, stderr = TRUE,
          env = paste0("R_LIBS=", withr_libs), ...)
}
