# The estimator listing (franca_estimator_list), parsed once when the package loads.
registry <- new.env(parent = emptyenv())

.onLoad <- function(libname, pkgname) {
  ns <- topenv()
  .Call(C_initialize, ns)
  registry$listing <- parse_listing(franca_call(C_estimator_list))
  install_constructors(ns, registry$listing)
}

.onUnload <- function(libpath) {
  .Call(C_finalize)
  library.dynam.unload("franca", libpath)
}
