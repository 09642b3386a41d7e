# Shared helpers for the reference scripts (sourced by structures.R, tests.R, nearpd.R).
# Run the scripts from the repository root, e.g.  Rscript tests/reference/structures.R

suppressPackageStartupMessages({
  library(jsonlite)
})

REF_DIR  <- file.path("tests", "reference")
DATA_DIR <- file.path(REF_DIR, "data")
if (!dir.exists(REF_DIR)) stop("run from the repository root (tests/reference not found)")
dir.create(DATA_DIR, showWarnings = FALSE, recursive = TRUE)

# Evaluate an R call given as text in the global environment and return it together with
# the exact text, so every JSON entry carries the command that produced it.
run <- function(cmd) {
  val <- eval(parse(text = cmd), envir = globalenv())
  list(command = cmd, value = val)
}

# named numeric vector -> JSON object {name: value}
nv <- function(x) {
  stopifnot(!is.null(names(x)))
  as.list(x)
}

# matrix -> list(rownames, colnames, values = row-major array of rows)
mat <- function(m) {
  m <- as.matrix(m)
  empty <- function(v) if (is.null(v)) list() else v   # NULL dimnames -> [] in JSON
  list(rownames = empty(rownames(m)), colnames = empty(colnames(m)),
       values = unname(lapply(seq_len(nrow(m)), function(i) unname(m[i, ]))))
}

versions <- function(pkgs) {
  c(list(R = R.version.string),
    setNames(lapply(pkgs, function(p) as.character(packageVersion(p))), pkgs))
}

write_ref <- function(x, name) {
  path <- file.path(REF_DIR, name)
  jsonlite::write_json(x, path, auto_unbox = TRUE, digits = NA, pretty = TRUE)
  message("wrote ", path)
}

check <- function(what, a, b, tol) {
  d <- max(abs(as.numeric(a) - as.numeric(b)))
  ok <- is.finite(d) && d <= tol
  msg <- sprintf("CHECK %-70s maxabsdiff=%.3g tol=%.1g %s", what, d, tol, if (ok) "OK" else "FAILED")
  message(msg)
  if (!ok) warning(msg)
  list(what = what, max_abs_diff = d, tol = tol, ok = ok)
}
