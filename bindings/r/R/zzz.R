# The estimator listing (franca_estimator_list), parsed once when the package loads.
registry <- new.env(parent = emptyenv())

.onLoad <- function(libname, pkgname) {
  ns <- topenv()
  .Call(C_initialize, ns)
  registry$listing <- parse_listing(franca_call(C_estimator_list))
  install_constructors(ns, registry$listing)
}

# The shared library stays loaded: the finalizers of handles still alive, and the ALTREP class of models, are
# its code, and R runs them after an unload (at the latest when it exits).
.onUnload <- function(libpath) {
  .Call(C_finalize)
}
