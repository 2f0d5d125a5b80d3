library(testthat)
library(franca)
test_check("franca")
