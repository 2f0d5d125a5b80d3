# R values as the library's inputs, read in place where R's layout is the library's: a double matrix
# (column-major: strides (1, nrow)), a Matrix dgRMatrix (CSR) and double vectors are not copied.

# x as a franca matrix (an external pointer that keeps the R memory it reads alive).
as_franca_matrix <- function(x, spec) {
  inputs <- unlist(spec$inputs)
  if (is.character(x)) {
    if (!"strings" %in% inputs) {
      raise_franca_condition("type", sprintf("x: %s takes %s input, not a character vector of documents",
                                             spec$name, paste(inputs, collapse = " or ")))
    }
    return(franca_call(C_matrix_strings, enc2utf8(x)))
  }
  if (methods::is(x, "sparseMatrix")) return(csr_matrix(x, spec))
  if (is.data.frame(x)) x <- data_frame_matrix(x)
  if (!is.numeric(x) && !is.logical(x)) {
    raise_franca_condition("type", sprintf("x: expected a numeric matrix, a data.frame of numeric columns, a Matrix sparse matrix or a character vector, got %s",
                                           class(x)[[1L]]))
  }
  if (!is.null(dim(x)) && length(dim(x)) != 2L) {
    raise_franca_condition("invalid_argument", sprintf("x: expected a matrix, got an array of %d dimensions",
                                                       length(dim(x))))
  }
  # The estimators compute in floating point: integer and logical data are copied as doubles (R's integer NA,
  # the int32 minimum, becomes a NaN, the library's missing value).
  if (!is.double(x)) storage.mode(x) <- "double"
  if (!"dense" %in% inputs && "CSR" %in% inputs) return(csr_matrix(x, spec))
  franca_call(C_matrix_dense, x)
}

csr_matrix <- function(x, spec) {
  if (!"CSR" %in% unlist(spec$inputs)) {
    raise_franca_condition("type", sprintf("x: %s takes %s input, not a sparse matrix", spec$name,
                                           paste(unlist(spec$inputs), collapse = " or ")))
  }
  # The library reads CSR; Matrix's usual dgCMatrix (CSC) is converted once, a dgRMatrix read in place.
  if (!methods::is(x, "dgRMatrix")) {
    x <- methods::as(methods::as(methods::as(x, "dMatrix"), "generalMatrix"), "RsparseMatrix")
  }
  franca_call(C_matrix_csr, x@p, x@j, x@x, x@Dim[[1L]], x@Dim[[2L]])
}

data_frame_matrix <- function(x) {
  numeric <- vapply(x, function(column) is.numeric(column) || is.logical(column), TRUE)
  if (!all(numeric)) {
    bad <- names(x)[!numeric][[1L]]
    raise_franca_condition("type", sprintf("x: column '%s' is %s; franca takes numeric columns (encode factors first, e.g. with model.matrix)",
                                           bad, class(x[[bad]])[[1L]]))
  }
  # A data.frame keeps its columns apart: one copy into a matrix.
  m <- as.matrix(x)
  storage.mode(m) <- "double"
  m
}

# Columns in the order of the fit, by name, when both have names; otherwise as given.
match_features <- function(x, feature_names) {
  names <- colnames(x)
  if (is.null(feature_names) || is.null(names) || is.character(x) || identical(names, feature_names)) return(x)
  missing <- setdiff(feature_names, names)
  if (length(missing)) {
    raise_franca_condition("invalid_argument", sprintf("newdata: no column %s, which the model was fitted on",
                                                       paste0("'", missing, "'", collapse = ", ")))
  }
  x[, feature_names, drop = FALSE]
}

# ------------------------------------------------------------------ labels

# A classifier's labels as the library's codes 0..K-1: each column's classes are kept (a factor's levels, else
# the sorted distinct values in their own type) and predictions map back to them. `known`: the classes of a
# fitted model, which further batches (partial_fit) are coded by.
encode_labels <- function(y, known = NULL) {
  columns <- if (is.data.frame(y)) as.list(y) else if (is.matrix(y)) lapply(seq_len(ncol(y)), function(j) y[, j]) else list(y)
  encoded <- lapply(columns, function(labels) {
    if (is.factor(labels)) {
      classes <- factor(levels(labels), levels = levels(labels))
      codes <- as.integer(labels) - 1
    } else if (is.atomic(labels) && !is.null(labels)) {
      classes <- sort(unique(labels[!is.na(labels)]))
      codes <- match(labels, classes) - 1
    } else {
      raise_franca_condition("type", sprintf("y: expected a factor or a vector of labels, got %s", class(labels)[[1L]]))
    }
    list(classes = classes, codes = as.double(codes))
  })
  if (!is.null(known)) {
    encoded <- Map(function(column, classes) {
      codes <- match(as.character(column$classes), as.character(classes))[column$codes + 1] - 1
      if (anyNA(codes[!is.na(column$codes)])) {
        raise_franca_condition("invalid_argument", "y: has labels that are not among the model's classes")
      }
      list(classes = classes, codes = as.double(codes))
    }, encoded, known)
  }
  codes <- if (length(encoded) == 1L) encoded[[1L]]$codes else do.call(cbind, lapply(encoded, `[[`, "codes"))
  list(classes = lapply(encoded, `[[`, "classes"), codes = codes)
}

decode_labels <- function(classes, codes) {
  labels <- classes[as.integer(codes) + 1L]
  if (is.factor(classes)) factor(as.character(labels), levels = levels(classes)) else labels
}

numeric_target <- function(y, what) {
  if (is.data.frame(y)) y <- as.matrix(y)
  if (!is.numeric(y) && !is.logical(y)) {
    raise_franca_condition("type", sprintf("%s: expected numbers, got %s", what, class(y)[[1L]]))
  }
  if (!is.double(y)) storage.mode(y) <- "double"
  y
}
