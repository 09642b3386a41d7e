# Nearest correlation / covariance matrices (Matrix::nearPD, Higham 2002 alternating
# projections with Dykstra's correction) and Schaefer-Strimmer shrinkage (corpcor).
# Writes tests/reference/nearpd.json and tests/reference/data/shrink_*.csv.
#
#   Rscript tests/reference/nearpd.R        (run from the repository root; ~3-5 min, p = 1000 dominates)

source(file.path("tests", "reference", "common.R"))
suppressPackageStartupMessages({ library(Matrix); library(corpcor) })

out <- list()
checks <- list()
out$meta <- list(
  script = "tests/reference/nearpd.R",
  regenerate = "Rscript tests/reference/nearpd.R",
  versions = versions(c("Matrix", "corpcor", "jsonlite")),
  blas = sessionInfo()$BLAS, lapack = sessionInfo()$LAPACK,
  nearPD_conventions = paste(
    "nearPD(x, corr, keepDiag, do2eigen=FALSE, conv.tol, maxit): x <- symmpart(x); Dykstra-corrected alternating projections",
    "onto the PSD cone (eigenvalues <= eig.tol*d[1] = 1e-6*d[1] dropped, i.e. set to 0) and onto unit diagonal (corr=TRUE) or",
    "the original diagonal (keepDiag=TRUE); stop when ||Y - X||_inf / ||Y||_inf <= conv.tol (conv.norm.type = 'I', max abs row sum);",
    "normF = ||symmpart(x) - X||_F; iterations = number of projection sweeps. With do2eigen=FALSE the result is PSD only up to",
    "the convergence tolerance (min eigenvalue can be slightly negative or ~0)."),
  json_precision = "jsonlite digits=NA: 15 significant digits"
)

npd_summary <- function(A, res, elapsed, full = TRUE) {
  X <- as.matrix(res$mat); dimnames(X) <- NULL
  ev <- eigen(X, symmetric = TRUE, only.values = TRUE)$values
  r <- list(p = ncol(A),
            n_negative_eigenvalues_input = sum(eigen(A, symmetric = TRUE, only.values = TRUE)$values < 0),
            min_eigenvalue_input = min(eigen(A, symmetric = TRUE, only.values = TRUE)$values),
            elapsed_seconds = elapsed, iterations = res$iterations, converged = res$converged,
            rel_tol_at_stop = res$rel.tol, normF = res$normF,
            frobenius_distance = norm(X - A, "F"),
            min_eigenvalue = min(ev), n_negative_eigenvalues = sum(ev < 0),
            first_row_1_10 = X[1, 1:min(10, ncol(X))], sum = sum(X), sum_sq = sum(X^2),
            max_abs_diag_minus_1 = max(abs(diag(X) - 1)))
  if (full) r$matrix <- mat(X)
  r
}
timed_npd <- function(A_name, args) {
  cmd <- sprintf("Matrix::nearPD(%s, %s)", A_name, args)
  t0 <- proc.time()[["elapsed"]]
  res <- eval(parse(text = cmd), envir = globalenv())
  list(cmd = cmd, res = res, elapsed = proc.time()[["elapsed"]] - t0)
}
ARGS_SMALL <- "corr = TRUE, do2eigen = FALSE, conv.tol = 1e-12, maxit = 100000"

# ---------------------------------------------------------------------------------------
# small classical examples
# ---------------------------------------------------------------------------------------
higham3 <- matrix(c(1, 1, 0,
                    1, 1, 1,
                    0, 1, 1), 3, 3, byrow = TRUE)
r <- timed_npd("higham3", ARGS_SMALL)
out$higham_3x3 <- c(list(command = r$cmd, input = mat(higham3)), npd_summary(higham3, r$res, r$elapsed))
# the ?nearPD example asserts these values at the default conv.tol = 1e-7
n.A <- Matrix::nearPD(higham3, corr = TRUE, do2eigen = FALSE)
checks[[length(checks) + 1]] <- check("Higham 3x3 at default conv.tol: X[1,2] == 0.760689917 (?nearPD example)", as.matrix(n.A$mat)[1, 2], 0.760689917, 1e-9)
checks[[length(checks) + 1]] <- check("Higham 3x3 at default conv.tol: normF == 0.52779033 (?nearPD example)", n.A$normF, 0.52779033, 1e-8)
checks[[length(checks) + 1]] <- check("Higham 3x3 at conv.tol 1e-12 vs default conv.tol (tolerance-limited)", as.matrix(r$res$mat)[1, 2], 0.760689917, 1e-6)

tridiag4 <- matrix(0, 4, 4); diag(tridiag4) <- 2
tridiag4[cbind(1:3, 2:4)] <- -1; tridiag4[cbind(2:4, 1:3)] <- -1
r <- timed_npd("tridiag4", ARGS_SMALL)
out$tridiag_4x4 <- c(list(command = r$cmd, input = mat(tridiag4),
                          note = "input diagonal is 2; corr=TRUE forces unit diagonal, so normF includes the diagonal change"),
                     npd_summary(tridiag4, r$res, r$elapsed))

# the 6x6 'pr' matrix, taken from the example code of the installed Matrix help page ?nearPD
ex_file <- tempfile(fileext = ".R")
tools::Rd2ex(tools::Rd_db("Matrix")[["nearPD.Rd"]], ex_file)
ex <- parse(ex_file)
pr_expr <- Filter(function(e) is.call(e) && identical(e[[1]], as.name("<-")) && identical(e[[2]], as.name("pr")), as.list(ex))
if (length(pr_expr) == 1) {
  eval(pr_expr[[1]], envir = globalenv())
  pr <- as.matrix(pr); dimnames(pr) <- NULL
  r <- timed_npd("pr", ARGS_SMALL)
  out$pr_6x6 <- c(list(command = r$cmd, source = "assignment 'pr <- Matrix(...)' parsed from tools::Rd2ex(tools::Rd_db('Matrix')[['nearPD.Rd']]) and evaluated",
                       input = mat(pr)),
                  npd_summary(pr, r$res, r$elapsed))
} else {
  out$pr_6x6 <- list(error = "pr matrix not found in the installed ?nearPD example code")
}

# ---------------------------------------------------------------------------------------
# deterministic test matrices
# ---------------------------------------------------------------------------------------
make_A <- function(p) {
  i <- row(diag(p)); j <- col(diag(p))
  A <- 0.6^abs(i - j) + 0.15 * sin(0.7 * i * j + i + j)
  diag(A) <- 1
  A
}
out$deterministic <- list(
  formula = "A[i,j] = 0.6^|i-j| + 0.15*sin(0.7*i*j + i + j) for i != j (1-based i, j), A[i,i] = 1",
  builder = "i <- row(diag(p)); j <- col(diag(p)); A <- 0.6^abs(i-j) + 0.15*sin(0.7*i*j + i + j); diag(A) <- 1")
ARGS_DET <- "corr = TRUE, do2eigen = FALSE, conv.tol = 1e-10, maxit = 100000"
for (p in c(50, 200, 500, 1000)) {
  A <- make_A(p)
  assign("A", A, envir = globalenv())
  message("nearPD p = ", p, " ...")
  r <- timed_npd("A", ARGS_DET)
  key <- paste0("p", p)
  out$deterministic[[key]] <- c(list(command = paste0("A <- make_A(", p, "); ", r$cmd)),
                                npd_summary(A, r$res, r$elapsed, full = (p == 50)))
  message(sprintf("  iterations %d, converged %s, %.1f s", r$res$iterations, r$res$converged, r$elapsed))
  checks[[length(checks) + 1]] <- check(sprintf("p=%d: normF == ||X - A||_F", p), r$res$normF,
                                        norm(as.matrix(r$res$mat) - A, "F"), 1e-10)
  rm(r); gc(verbose = FALSE)
}

# covariance version: C = D A D, D = diag(1:50/10), keepDiag
A50 <- make_A(50)
Dm <- diag((1:50) / 10)
C50 <- Dm %*% A50 %*% Dm
r <- timed_npd("C50", "corr = FALSE, keepDiag = TRUE, do2eigen = FALSE, conv.tol = 1e-10, maxit = 100000")
cs <- npd_summary(C50, r$res, r$elapsed, full = TRUE)
cs$max_abs_diag_minus_1 <- NULL
cs$max_abs_diag_change <- max(abs(diag(as.matrix(r$res$mat)) - diag(C50)))
out$covariance_keepdiag_p50 <- c(list(command = paste("A50 <- make_A(50); Dm <- diag((1:50)/10); C50 <- Dm %*% A50 %*% Dm;", r$cmd),
                                      note = "nearest PSD matrix with the diagonal of C50 kept (not the same as D * nearcorr(A) * D)"),
                                 cs)

# ---------------------------------------------------------------------------------------
# shrinkage (corpcor, Schaefer & Strimmer 2005; Opgen-Rhein & Strimmer 2007)
# ---------------------------------------------------------------------------------------
set.seed(1)
x1 <- matrix(rnorm(20 * 30), 20, 30) %*% chol(toeplitz(0.5^(0:29)))
colnames(x1) <- paste0("V", 1:30)
write.csv(as.data.frame(x1), file.path(DATA_DIR, "shrink_n20_p30.csv"), row.names = FALSE)
set.seed(2)
x2 <- matrix(rnorm(100 * 10), 100, 10) %*% chol(toeplitz(0.7^(0:9)))
colnames(x2) <- paste0("V", 1:10)
write.csv(as.data.frame(x2), file.path(DATA_DIR, "shrink_n100_p10.csv"), row.names = FALSE)
# write.csv keeps 15 significant digits: use the data exactly as stored in the CSV files,
# so Python reading the CSVs sees identical inputs
x1 <- as.matrix(read.csv(file.path(DATA_DIR, "shrink_n20_p30.csv")))
x2 <- as.matrix(read.csv(file.path(DATA_DIR, "shrink_n100_p10.csv")))

shrink_out <- function(xname, gen) {
  x <- get(xname)
  cs <- corpcor::cov.shrink(x, verbose = FALSE)
  cr <- corpcor::cor.shrink(x, verbose = FALSE)
  vs <- corpcor::var.shrink(x, verbose = FALSE)
  c0 <- corpcor::cov.shrink(x, lambda.var = 0, verbose = FALSE)
  strip <- function(m) { m <- unclass(m); attributes(m) <- list(dim = dim(m), dimnames = dimnames(m)); m }
  list(generated_by = gen,
       n = nrow(x), p = ncol(x),
       cov_shrink = list(command = sprintf("corpcor::cov.shrink(%s, verbose = FALSE)", xname),
                         lambda = attr(cs, "lambda"), lambda.var = attr(cs, "lambda.var"),
                         matrix = mat(strip(cs))),
       cor_shrink = list(command = sprintf("corpcor::cor.shrink(%s, verbose = FALSE)", xname),
                         lambda = attr(cr, "lambda"), matrix = mat(strip(cr))),
       var_shrink = list(command = sprintf("corpcor::var.shrink(%s, verbose = FALSE)", xname),
                         lambda.var = attr(vs, "lambda.var"), variances = unname(as.vector(vs)),
                         target_median_unbiased_variance = median(apply(x, 2, var))),
       cov_shrink_lambda_var_0 = list(command = sprintf("corpcor::cov.shrink(%s, lambda.var = 0, verbose = FALSE)", xname),
                                      lambda = attr(c0, "lambda"), lambda.var = attr(c0, "lambda.var"),
                                      matrix = mat(strip(c0))),
       sample_cov_unbiased = mat(cov(x)))
}
out$shrinkage <- list(
  conventions = paste(
    "corpcor: empirical (co)variances use divisor n-1 (unbiased); correlation target = identity (off-diagonals shrunk to 0),",
    "lambda = sum_{i!=j} Var_hat(r_ij) / sum_{i!=j} r_ij^2 on standardized data (clamped to [0,1]);",
    "variance target = median of the unbiased sample variances, lambda.var = sum Var_hat(s_ii) / sum (s_ii - median)^2 (clamped);",
    "Var_hat(w-statistic) = n/(n-1)^3 * sum_k (w_k - wbar)^2 (Schaefer & Strimmer 2005, appendix);",
    "cov.shrink = diag(sd*) cor.shrink diag(sd*), sd* = sqrt(lambda.var*median + (1-lambda.var)*s_ii);",
    "lambda.var = 0 keeps the unbiased sample variances."),
  n20_p30 = shrink_out("x1", "set.seed(1); x1 <- matrix(rnorm(20*30), 20, 30) %*% chol(toeplitz(0.5^(0:29))); file tests/reference/data/shrink_n20_p30.csv (columns V1..V30); results computed on x1 <- as.matrix(read.csv(that file))"),
  n100_p10 = shrink_out("x2", "set.seed(2); x2 <- matrix(rnorm(100*10), 100, 10) %*% chol(toeplitz(0.7^(0:9))); file tests/reference/data/shrink_n100_p10.csv (columns V1..V10); results computed on x2 <- as.matrix(read.csv(that file))"))

# check conventions: lambda = lambda.var = 0 gives the unbiased sample covariance;
# cov.shrink(lambda.var = 0) == diag(sd) cor.shrink diag(sd)
c00 <- unclass(corpcor::cov.shrink(x1, lambda = 0, lambda.var = 0, verbose = FALSE))
checks[[length(checks) + 1]] <- check("cov.shrink(lambda=0, lambda.var=0) == cov(x) (divisor n-1)", c00[1:900], cov(x1)[1:900], 1e-12)
sdv <- sqrt(apply(x1, 2, var))
c0 <- unclass(corpcor::cov.shrink(x1, lambda.var = 0, verbose = FALSE))
cr <- unclass(corpcor::cor.shrink(x1, verbose = FALSE))
checks[[length(checks) + 1]] <- check("cov.shrink(lambda.var=0) == diag(sd) cor.shrink diag(sd)",
                                      c0[1:900], (diag(sdv) %*% cr[1:30, 1:30] %*% diag(sdv))[1:900], 1e-12)
# hand computation of lambda (correlation) for x1
hand_lambda <- function(x) {
  n <- nrow(x); xs <- scale(x)            # scale() uses sd with divisor n-1
  p <- ncol(x); num <- 0; den <- 0
  R <- cor(x)
  for (i in 1:(p - 1)) for (j in (i + 1):p) {
    w <- xs[, i] * xs[, j]
    num <- num + n / (n - 1)^3 * sum((w - mean(w))^2)
    den <- den + R[i, j]^2
  }
  max(0, min(1, num / den))
}
checks[[length(checks) + 1]] <- check("cor.shrink lambda == hand Schaefer-Strimmer formula (n20_p30)", out$shrinkage$n20_p30$cor_shrink$lambda, hand_lambda(x1), 1e-12)
checks[[length(checks) + 1]] <- check("cor.shrink lambda == hand Schaefer-Strimmer formula (n100_p10)", out$shrinkage$n100_p10$cor_shrink$lambda, hand_lambda(x2), 1e-12)

out$checks <- checks
write_ref(out, "nearpd.json")
message("failed checks: ", sum(!sapply(checks, `[[`, "ok")))
