# The estimators come from the library's listing (franca_estimator_list): names, kinds, parameters with their
# defaults, methods and fitted attributes. Nothing here names an estimator: one added to the library appears in
# R with no new code.

parse_listing <- function(json) {
  entries <- jsonlite::fromJSON(json, simplifyVector = FALSE)
  names(entries) <- vapply(entries, `[[`, "", "name")
  entries
}

estimator_spec <- function(name) {
  if (!is.character(name) || length(name) != 1L || is.na(name)) {
    raise_franca_condition("type", "name: expected one estimator name")
  }
  spec <- registry$listing[[name]]
  if (is.null(spec)) {
    raise_franca_condition("not_found", sprintf("name: no estimator '%s' (franca has %s)", name,
                                                paste(names(registry$listing), collapse = ", ")))
  }
  spec
}

# An R value of a listed default: JSON arrays become vectors, null NULL.
r_default <- function(value) {
  if (is.list(value)) unlist(value) else value
}

# Entries that compute one of scikit-learn's functions (enet_path) get no constructor, as in Python.
constructor_specs <- function(listing) Filter(function(spec) is.null(spec[["function"]]), listing)

# One function per estimator, its formals the listed parameters with their defaults:
# LogisticRegression(C = 10) is franca_model("LogisticRegression", C = 10).
make_constructor <- function(spec) {
  defaults <- lapply(spec$params, function(p) r_default(p$default))
  names(defaults) <- vapply(spec$params, `[[`, "", "name")
  name <- spec$name
  constructor <- function() {
    supplied <- as.character(names(match.call())[-1L])
    values <- mget(supplied, envir = environment())
    do.call(franca_model, c(list(name), values))
  }
  formals(constructor) <- defaults
  constructor
}

install_constructors <- function(ns, listing) {
  for (spec in constructor_specs(listing)) assign(spec$name, make_constructor(spec), envir = ns)
}

franca_estimators <- function() {
  specs <- registry$listing
  data.frame(
    name = names(specs),
    kind = vapply(specs, `[[`, "", "kind"),
    module = vapply(specs, function(s) s$module, ""),
    inputs = vapply(specs, function(s) paste(unlist(s$inputs), collapse = ", "), ""),
    methods = vapply(specs, function(s) paste(vapply(s$methods, `[[`, "", "name"), collapse = ", "), ""),
    row.names = NULL, stringsAsFactors = FALSE
  )
}

# The parameters as the library's JSON. A parameter whose type is a list keeps a vector of length one an array;
# other values of length one are scalars; NULL and NA are null.
params_json <- function(spec, params) {
  if (!length(params)) return("{}") # jsonlite writes an empty list as []
  listed <- vapply(spec$params, `[[`, "", "name")
  types <- stats::setNames(vapply(spec$params, `[[`, "", "type"), listed)
  values <- lapply(names(params), function(name) {
    value <- params[[name]]
    if (is.null(value) || (is.atomic(value) && length(value) == 1L && is.na(value))) return(NULL)
    type <- types[name]
    if (!is.na(type) && is.atomic(value) && is.null(names(value)) && grepl("^(list|array)", type)) I(value) else value
  })
  names(values) <- names(params)
  as.character(jsonlite::toJSON(values, auto_unbox = TRUE, null = "null", digits = NA, force = TRUE))
}
