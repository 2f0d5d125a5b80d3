# The library's statuses as R conditions, and its log messages as R messages and warnings.

# The class of each status name of franca_status_name(): franca_<kind>_error, under franca_error and error.
# A corrupt model is also a value error, as in the Python binding.
condition_classes <- list(
  invalid_argument = "franca_value_error",
  type = "franca_type_error",
  out_of_memory = "franca_memory_error",
  not_fitted = "franca_not_fitted_error",
  not_found = "franca_not_found_error",
  not_implemented = "franca_not_implemented_error",
  device = "franca_device_error",
  corrupt_model = c("franca_corrupt_model_error", "franca_value_error"),
  cancelled = "franca_cancelled_error",
  internal = "franca_internal_error"
)

franca_condition <- function(status, message) {
  classes <- condition_classes[[status]]
  if (is.null(classes)) classes <- "franca_internal_error" # a status newer than this package
  structure(class = c(classes, "franca_error", "error", "condition"),
            list(message = message, call = NULL, status = status))
}

# Called by the C shim (and by the R code for what it checks itself) with a status name and a message.
raise_franca_condition <- function(status, message) {
  stop(franca_condition(status, message))
}

# Called by the C shim once a fit that Ctrl-C cancelled has stopped: the interrupt R had noticed, passed on.
signal_fit_interrupted <- function() {
  signalCondition(structure(class = c("interrupt", "condition"),
                            list(message = "franca: fit interrupted", call = NULL)))
  invokeRestart("abort")
}

# franca_log_level's values, as FRANCA_LOG_* in franca.h.
log_levels <- c(trace = 0L, debug = 1L, info = 2L, warn = 3L, error = 4L, off = 6L)

emit_log_messages <- function() {
  queued <- .Call(C_take_log_messages)
  for (i in seq_along(queued$text)) {
    text <- paste0("franca: ", queued$text[[i]])
    if (queued$level[[i]] >= log_levels[["warn"]]) {
      warning(structure(class = c("franca_warning", "warning", "condition"), list(message = text, call = NULL)))
    } else {
      message(structure(class = c("franca_message", "message", "condition"),
                        list(message = paste0(text, "\n"), call = NULL)))
    }
  }
}

# Every call into the shim: the library's log messages of the call are emitted once it has returned.
franca_call <- function(routine, ...) {
  on.exit(emit_log_messages())
  .Call(routine, ...)
}

franca_log_level <- function(level = c("trace", "debug", "info", "warn", "error", "off")) {
  level <- match.arg(level)
  franca_call(C_set_log_level, log_levels[[level]])
  invisible(level)
}

franca_set_threads <- function(n_threads = 0L) {
  franca_call(C_set_threads, as.integer(n_threads))
  invisible(n_threads)
}

franca_build_info <- function() {
  info <- jsonlite::fromJSON(franca_call(C_build_info), simplifyVector = TRUE)
  version <- franca_call(C_library_version)
  info$library_version <- paste(version, collapse = ".")
  info
}
