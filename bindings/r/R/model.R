# A franca model: an R list (estimator name, parameters, what the binding keeps of the fit) whose `state` holds
# the fitted library model. fit() returns a new fitted model and leaves its argument as it was.

franca_model <- function(estimator, ...) {
  spec <- estimator_spec(estimator)
  params <- list(...)
  if (length(params) && (is.null(names(params)) || any(names(params) == ""))) {
    raise_franca_condition("invalid_argument", "...: parameters must be named")
  }
  # The library checks names, types and values now, not at fit: a condition that names the parameter. Class
  # weights keyed by labels wait for fit, which knows the labels' codes.
  checked <- params
  if (!is.null(names(checked$class_weight))) checked$class_weight <- NULL
  franca_call(C_check_params, spec$name, params_json(spec, checked))
  structure(list(estimator = spec$name, params = params, state = NULL, classes = NULL, feature_names = NULL),
            class = c(paste0("franca_", spec$kind), "franca_model"))
}

fit <- function(object, ...) UseMethod("fit")

fit.franca_model <- function(object, x, y = NULL, sample_weight = NULL, ...) {
  fit_model(object, x, y, sample_weight, incremental = FALSE)
}

partial_fit <- function(object, ...) UseMethod("partial_fit")

partial_fit.franca_model <- function(object, x, y = NULL, sample_weight = NULL, ...) {
  spec <- estimator_spec(object$estimator)
  if (!isTRUE(spec$partial_fit)) {
    raise_franca_condition("not_implemented", sprintf("%s has no partial_fit", spec$name))
  }
  fit_model(object, x, y, sample_weight, incremental = !is.null(object$state))
}

# fit, or (incremental) partial_fit of a fitted model: a new model either way.
fit_model <- function(object, x, y, sample_weight, incremental) {
  spec <- estimator_spec(object$estimator)
  if (spec$kind != "transformer" && is.null(y)) {
    raise_franca_condition("invalid_argument", sprintf("y: %s needs a target y", spec$name))
  }
  params <- object$params
  classes <- NULL
  if (spec$kind == "classifier") {
    labels <- encode_labels(y, if (incremental) object$classes)
    classes <- labels$classes
    y <- labels$codes
    params$class_weight <- coded_class_weight(params$class_weight, classes)
  } else if (spec$kind == "regressor") {
    y <- numeric_target(y, "y")
  } else {
    y <- NULL # transformers take no target, as scikit-learn's ignore it
  }
  if (!is.null(sample_weight)) sample_weight <- numeric_target(sample_weight, "sample_weight")
  matrix <- as_franca_matrix(x, spec)
  # The model's bytes travel through saveRDS in the ALTREP object the shim returns, whose class R 4.2's readRDS
  # finds only once franca is loaded: the namespace ahead of it in the list makes readRDS load franca first.
  state <- list(package = topenv(environment()),
                model = franca_call(C_fit, spec$name, params_json(spec, params), matrix, y, sample_weight,
                                    if (incremental) fitted_state(object)))
  # `[<-` with a list keeps a NULL field (`$<-` would drop it).
  object[c("state", "classes", "feature_names")] <- list(state, classes, if (is.character(x)) NULL else colnames(x))
  object
}

# class_weight keyed by labels (a named list or vector) becomes keyed by the library's codes.
coded_class_weight <- function(weights, classes) {
  if (is.null(weights) || is.character(weights) || is.null(names(weights))) return(weights)
  codes <- match(names(weights), as.character(classes[[1L]])) - 1L
  if (anyNA(codes)) {
    raise_franca_condition("invalid_argument", sprintf("class_weight: %s is not a class of y",
                                                       names(weights)[is.na(codes)][[1L]]))
  }
  stats::setNames(as.list(unname(weights)), codes)
}

fitted_state <- function(object) {
  state <- .subset2(object, "state")
  if (is.null(state)) {
    raise_franca_condition("not_fitted", sprintf("This %s is not fitted yet: call fit(model, x, y) first",
                                                 .subset2(object, "estimator")))
  }
  state$model
}

franca_apply <- function(object, newdata, method) {
  spec <- estimator_spec(object$estimator)
  state <- fitted_state(object)
  matrix <- as_franca_matrix(match_features(newdata, object$feature_names), spec)
  value <- franca_call(C_apply_method, state, method, matrix)
  if (is.list(value)) { # CSR: Matrix's dgRMatrix over the library's arrays
    return(methods::new("dgRMatrix", p = as.integer(value[[1L]]), j = as.integer(value[[2L]]),
                        x = as.double(value[[3L]]), Dim = as.integer(value[[4L]])))
  }
  value
}

predict.franca_model <- function(object, newdata, type = c("response", "prob", "class"), ...) {
  spec <- estimator_spec(object$estimator)
  methods <- vapply(spec$methods, `[[`, "", "name")
  type <- type[[1L]]
  classifier <- spec$kind == "classifier"
  method <- switch(type,
    response = if (spec$kind == "transformer") "transform" else "predict",
    class = if (classifier) "predict" else NA_character_,
    prob = if ("predict_proba" %in% methods) "predict_proba" else NA_character_,
    if (type %in% methods) type else NA_character_
  )
  if (is.na(method)) {
    raise_franca_condition("invalid_argument", sprintf("type: %s has no '%s'; expected one of %s", spec$name, type,
                                                       paste(c("response", if (classifier) c("prob", "class"),
                                                               methods), collapse = ", ")))
  }
  value <- franca_apply(object, newdata, method)
  if (classifier && method == "predict") return(predicted_labels(object, value))
  if (classifier && method %in% c("predict_proba", "predict_log_proba", "decision_function")) {
    return(per_class_columns(object, value))
  }
  value
}

predicted_labels <- function(object, codes) {
  classes <- object$classes
  if (length(classes) == 1L) return(decode_labels(classes[[1L]], codes))
  columns <- lapply(seq_along(classes), function(j) decode_labels(classes[[j]], codes[, j]))
  names(columns) <- if (is.null(names(classes))) paste0("y", seq_along(classes)) else names(classes)
  as.data.frame(columns, stringsAsFactors = FALSE)
}

# Class scores with the classes as column names: the library's columns are its classes_, the codes it saw.
per_class_columns <- function(object, scores) {
  seen <- franca_call(C_get_attribute, fitted_state(object), "classes_")
  if (length(object$classes) == 1L) {
    if (is.matrix(scores) && ncol(scores) == length(seen)) {
      colnames(scores) <- as.character(decode_labels(object$classes[[1L]], seen))
    }
    return(scores)
  }
  # Several outputs: one block of columns per output, as wide as the widest.
  counts <- franca_call(C_get_attribute, fitted_state(object), "n_classes_")
  width <- ncol(scores) %/% length(counts)
  lapply(seq_along(counts), function(j) {
    block <- scores[, (j - 1L) * width + seq_len(counts[[j]]), drop = FALSE]
    colnames(block) <- as.character(object$classes[[j]])[seq_len(counts[[j]])]
    block
  })
}

franca_attribute <- function(object, name) {
  spec <- estimator_spec(object$estimator)
  if (spec$kind == "classifier" && identical(name, "classes_")) {
    fitted_state(object)
    classes <- object$classes
    return(if (length(classes) == 1L) classes[[1L]] else classes)
  }
  tryCatch(franca_call(C_get_attribute, fitted_state(object), name), franca_not_found_error = function(e) {
    # An attribute this fit's parameters left out is NULL, as scikit-learn's None.
    if (name %in% unlist(spec$optional_attributes)) NULL else stop(e)
  })
}

# model$coef_ reads a fitted attribute; the list's own fields come first.
`$.franca_model` <- function(x, name) {
  if (name %in% names(unclass(x))) return(.subset2(x, name))
  franca_attribute(x, name)
}

coef.franca_model <- function(object, ...) {
  spec <- estimator_spec(object$estimator)
  if (!"coef_" %in% unlist(spec$attributes)) {
    raise_franca_condition("not_found", sprintf("%s has no coefficients (coef_)", spec$name))
  }
  coef <- franca_attribute(object, "coef_")
  intercept <- franca_attribute(object, "intercept_")
  features <- object$feature_names
  if (is.null(features)) features <- paste0("x", seq_len(if (is.matrix(coef)) ncol(coef) else length(coef)))
  if (is.matrix(coef) && nrow(coef) == 1L) coef <- coef[1L, ]
  if (!is.matrix(coef)) return(stats::setNames(c(intercept, coef), c("(Intercept)", features)))
  out <- cbind(intercept, coef)
  colnames(out) <- c("(Intercept)", features)
  if (spec$kind == "classifier" && nrow(out) == length(object$classes[[1L]])) {
    rownames(out) <- as.character(object$classes[[1L]])
  }
  out
}

print.franca_model <- function(x, ...) {
  spec <- estimator_spec(x$estimator)
  params <- if (length(x$params)) {
    paste0("(", paste(names(x$params), vapply(x$params, function(v) paste(format(v), collapse = ", "), ""),
                      sep = " = ", collapse = ", "), ")")
  } else {
    "()"
  }
  cat(sprintf("franca %s%s, a %s\n", spec$name, params, spec$kind))
  if (is.null(x$state)) {
    cat("  not fitted\n")
  } else {
    if ("n_features_in_" %in% unlist(spec$attributes)) {
      cat(sprintf("  fitted on %d features%s\n", as.integer(x$n_features_in_),
                  if (is.null(x$feature_names)) "" else paste0(": ", paste(utils::head(x$feature_names, 8L), collapse = ", "),
                                                              if (length(x$feature_names) > 8L) ", ..." else "")))
    } else {
      cat("  fitted\n")
    }
    for (classes in x$classes) cat(sprintf("  classes: %s\n", paste(utils::head(as.character(classes), 10L), collapse = ", ")))
  }
  invisible(x)
}

summary.franca_model <- function(object, ...) {
  spec <- estimator_spec(object$estimator)
  params <- jsonlite::fromJSON(if (is.null(object$state)) {
    franca_call(C_get_params, spec$name, params_json(spec, object$params))
  } else {
    franca_call(C_model_params, fitted_state(object))
  }, simplifyVector = TRUE)
  attributes <- list()
  if (!is.null(object$state)) {
    for (name in unlist(spec$attributes)) {
      # An attribute the fit did not make (oob_score_ without oob_score = TRUE) is left out.
      value <- tryCatch(franca_attribute(object, name), franca_not_found_error = function(e) NULL)
      if (!is.null(value)) attributes[[name]] <- value
    }
  }
  structure(list(estimator = spec$name, kind = spec$kind, params = params, attributes = attributes,
                 fitted = !is.null(object$state)),
            class = "summary.franca_model")
}

print.summary.franca_model <- function(x, ...) {
  cat(sprintf("franca %s (%s), %s\n", x$estimator, x$kind, if (x$fitted) "fitted" else "not fitted"))
  cat("Parameters:\n")
  for (name in names(x$params)) {
    cat(sprintf("  %s = %s\n", name, if (is.null(x$params[[name]])) "NULL" else paste(format(x$params[[name]]), collapse = ", ")))
  }
  if (length(x$attributes)) cat("Fitted attributes:\n")
  for (name in names(x$attributes)) {
    value <- x$attributes[[name]]
    shown <- if (length(value) <= 6L) paste(format(value, digits = 4), collapse = " ") else
      sprintf("<%s of %s>", typeof(value), paste(if (is.null(dim(value))) length(value) else dim(value), collapse = " x "))
    cat(sprintf("  %s: %s\n", name, shown))
  }
  invisible(x)
}
