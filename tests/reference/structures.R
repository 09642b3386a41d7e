# Structured covariance models for the multivariate normal, fitted by ML (saturated mean:
# one free mean per variable), with standard errors, FIML with missing data, and factor
# analysis.  Writes tests/reference/structures.json and tests/reference/data/*.csv.
#
#   Rscript tests/reference/structures.R        (run from the repository root)
#
# Conventions (see README.md): ML covariance divisor n; log-likelihoods are full MVN
# log-likelihoods including the -n p/2 log(2 pi) constant; SEs are sqrt(diag(inverse of the
# TOTAL information for n observations)).

source(file.path("tests", "reference", "common.R"))
suppressPackageStartupMessages({
  library(nlme); library(lavaan); library(psych)
  library(numDeriv); library(mvtnorm)
})

out <- list()
checks <- list()
out$meta <- list(
  script = "tests/reference/structures.R",
  regenerate = "Rscript tests/reference/structures.R",
  versions = versions(c("nlme", "lavaan", "psych", "numDeriv", "mvtnorm", "jsonlite")),
  conventions = list(
    covariance_divisor = "n (maximum likelihood) everywhere unless stated",
    loglik = "full MVN log-likelihood: sum_i log phi_p(x_i; mu, Sigma), includes -n*p/2*log(2*pi)",
    se = "sqrt(diag(solve(I))) with I the total information of all n observations (lavaan likelihood='normal' => N, not N-1)",
    expected_information = "I_mu = n Sigma^-1; I_phi[a,b] = n/2 tr(Sigma^-1 dSigma/dphi_a Sigma^-1 dSigma/dphi_b) = J' [n/2 D'(Sigma^-1 %x% Sigma^-1) D] J, J = d vech(Sigma)/d phi'; mean/cov cross block 0",
    observed_information = "minus the Hessian of the log-likelihood at the MLE (lavaan observed.information='hessian')",
    json_precision = "jsonlite digits=NA: 15 significant digits"
  )
)

# ---------------------------------------------------------------------------------------
# (a) Orthodont wide data
# ---------------------------------------------------------------------------------------
orth_long <- as.data.frame(nlme::Orthodont)
orth_long$Subject <- as.character(orth_long$Subject)
orth_long$Sex <- as.character(orth_long$Sex)
orth_long <- orth_long[order(orth_long$Subject, orth_long$age, method = "radix"), ]
subj <- sort(unique(orth_long$Subject), method = "radix")
orth <- data.frame(Subject = subj, stringsAsFactors = FALSE)
orth$Sex <- orth_long$Sex[match(subj, orth_long$Subject)]
for (a in c(8, 10, 12, 14)) {
  s <- orth_long[orth_long$age == a, ]
  orth[[paste0("d", a)]] <- s$distance[match(subj, s$Subject)]
}
stopifnot(nrow(orth) == 27, !anyNA(orth))
write.csv(orth, file.path(DATA_DIR, "orthodont_wide.csv"), row.names = FALSE)
vars <- c("d8", "d10", "d12", "d14")
X <- as.matrix(orth[, vars])
n <- nrow(X); p <- ncol(X)
xbar <- colMeans(X)
S_ml <- crossprod(sweep(X, 2, xbar)) / n

out$orthodont_data <- list(
  command = paste("nlme::Orthodont reshaped to wide (one row per Subject, rows sorted by",
                  "as.character(Subject) with method='radix': F01..F11, M01..M16; columns",
                  "d8,d10,d12,d14 = distance at ages 8,10,12,14)"),
  file = "tests/reference/data/orthodont_wide.csv",
  n = n, columns = vars, row_order = subj,
  mean = nv(xbar), cov_ml_divisor_n = mat(S_ml), cov_unbiased = mat(cov(X))
)

# MVN log-likelihood via Cholesky
mvn_ll <- function(X, mu, Sigma) {
  R <- chol(Sigma)
  Z <- backsolve(R, t(X) - mu, transpose = TRUE)
  -0.5 * nrow(X) * ncol(X) * log(2 * pi) - nrow(X) * sum(log(diag(R))) - 0.5 * sum(Z^2)
}
ll_sat <- mvn_ll(X, xbar, S_ml)
out$orthodont_data$loglik_saturated <- ll_sat

# ---------------------------------------------------------------------------------------
# (b) nlme::gls ML fits on the long form
# ---------------------------------------------------------------------------------------
orth_long$fage <- factor(orth_long$age)
gls_means <- function(fit) {
  m <- coef(fit); names(m) <- sub("factor\\(age\\)", "d", names(m)); m[vars]
}
gcs <- run('nlme::gls(distance ~ factor(age) - 1, data = orth_long, method = "ML", correlation = corCompSymm(form = ~ 1 | Subject))')
f <- gcs$value
rho <- coef(f$modelStruct$corStruct, unconstrained = FALSE)
out$gls_cs <- list(command = gcs$command, logLik = as.numeric(logLik(f)),
                   means = nv(gls_means(f)), sigma = f$sigma, rho = unname(rho),
                   variance = f$sigma^2, covariance = f$sigma^2 * unname(rho))

gar <- run('nlme::gls(distance ~ factor(age) - 1, data = orth_long, method = "ML", correlation = corAR1(form = ~ 1 | Subject))')
f <- gar$value
rho <- coef(f$modelStruct$corStruct, unconstrained = FALSE)
out$gls_ar1 <- list(command = gar$command,
                    note = "time index = position within Subject; rows sorted by age, ages equally spaced, so lag |i-j| between d(8+2i) and d(8+2j)",
                    logLik = as.numeric(logLik(f)), means = nv(gls_means(f)), sigma = f$sigma,
                    variance = f$sigma^2, rho = unname(rho),
                    cov = mat(f$sigma^2 * unname(rho)^abs(outer(1:4, 1:4, "-"))))

vi_var <- function(f) {
  r <- coef(f$modelStruct$varStruct, unconstrained = FALSE, allCoef = TRUE)
  v <- (f$sigma * r)^2; names(v) <- paste0("d", names(r)); v[vars]
}
gdg <- run('nlme::gls(distance ~ factor(age) - 1, data = orth_long, method = "ML", weights = varIdent(form = ~ 1 | factor(age)))')
f <- gdg$value
out$gls_diagonal <- list(command = gdg$command, logLik = as.numeric(logLik(f)),
                         means = nv(gls_means(f)), variances = nv(vi_var(f)))
checks[[length(checks) + 1]] <- check("gls diagonal variances == diag(S_ml)", vi_var(f), diag(S_ml), 1e-5)

gsp <- run('nlme::gls(distance ~ factor(age) - 1, data = orth_long, method = "ML")')
f <- gsp$value
out$gls_spherical <- list(command = gsp$command, logLik = as.numeric(logLik(f)),
                          means = nv(gls_means(f)), variance = f$sigma^2)
checks[[length(checks) + 1]] <- check("gls spherical variance == mean(diag(S_ml))", f$sigma^2, mean(diag(S_ml)), 1e-10)

gun <- run('nlme::gls(distance ~ factor(age) - 1, data = orth_long, method = "ML", correlation = corSymm(form = ~ 1 | Subject), weights = varIdent(form = ~ 1 | factor(age)))')
f <- gun$value
V_un <- unclass(getVarCov(f)); dimnames(V_un) <- list(vars, vars)
out$gls_unstructured <- list(command = gun$command, logLik = as.numeric(logLik(f)),
                             means = nv(gls_means(f)), cov = mat(V_un),
                             note = "cov from getVarCov(fit); equals the divisor-n sample covariance up to optimizer tolerance")
checks[[length(checks) + 1]] <- check("gls unstructured cov == S_ml (divisor n)", V_un, S_ml, 1e-4)
checks[[length(checks) + 1]] <- check("gls unstructured logLik == saturated loglik", as.numeric(logLik(f)), ll_sat, 1e-6)
checks[[length(checks) + 1]] <- check("gls means == sample means", gls_means(f), xbar, 1e-8)

# ---------------------------------------------------------------------------------------
# helpers: lavaan extraction and hand-written structured ML with both informations
# ---------------------------------------------------------------------------------------
lav_out <- function(fit, cmd) {
  pe <- parameterEstimates(fit, ci = FALSE, zstat = FALSE, pvalue = FALSE)
  opt <- lavInspect(fit, "options")
  list(command = cmd,
       options = list(estimator = opt$estimator, likelihood = opt$likelihood,
                      information = opt$information[1], observed.information = opt$observed.information[1],
                      h1.information = opt$h1.information[1], se = opt$se, missing = opt$missing,
                      meanstructure = opt$meanstructure),
       nobs = lavInspect(fit, "nobs"),
       logLik = as.numeric(fitMeasures(fit, "logl")),
       converged = lavInspect(fit, "converged"),
       params = lapply(seq_len(nrow(pe)), function(i)
         list(lhs = pe$lhs[i], op = pe$op[i], rhs = pe$rhs[i], label = if (is.null(pe$label)) "" else pe$label[i],
              est = pe$est[i], se = pe$se[i])))
}
# compact access: est/se of a labelled or lhs-op-rhs parameter
lav_par <- function(fit, lhs, op, rhs) {
  pe <- parameterEstimates(fit)
  i <- which(pe$lhs == lhs & pe$op == op & pe$rhs == rhs)[1]
  c(est = pe$est[i], se = pe$se[i])
}

# structured ML: mean saturated (mu = xbar), Sigma = Sigma_fun(phi).
# Observed information: numDeriv::hessian of the full log-likelihood in (mu, phi).
# Expected information: I_mu = n Sigma^-1, I_phi = n/2 tr(Si dS_a Si dS_b), block diagonal.
struct_fit <- function(X, Sigma_fun, phi0, lower = -Inf, upper = Inf, dSigma = NULL) {
  n <- nrow(X); p <- ncol(X); xb <- colMeans(X)
  nll <- function(phi) {
    S <- Sigma_fun(phi)
    ev <- eigen(S, symmetric = TRUE, only.values = TRUE)$values
    if (min(ev) <= 0) return(1e10)
    -mvn_ll(X, xb, S)
  }
  o <- optim(phi0, nll, method = "L-BFGS-B", lower = lower, upper = upper,
             control = list(factr = 1, pgtol = 0, maxit = 10000))
  phi <- o$par
  # polish with Newton steps on numerical derivatives
  for (k in 1:20) {
    g <- numDeriv::grad(nll, phi); H <- numDeriv::hessian(nll, phi)
    step <- solve(H, g); phi <- phi - step
    if (max(abs(step)) < 1e-13) break
  }
  theta <- c(xb, phi)
  full_ll <- function(th) mvn_ll(X, th[1:p], Sigma_fun(th[-(1:p)]))
  Hobs <- -numDeriv::hessian(full_ll, theta)
  S <- Sigma_fun(phi); Si <- solve(S)
  if (is.null(dSigma)) {
    Jc <- numDeriv::jacobian(function(ph) as.vector(Sigma_fun(ph)), phi)
    dSigma <- function(ph) lapply(seq_along(ph), function(a) matrix(Jc[, a], p, p))
  }
  dS <- dSigma(phi)
  q <- length(phi)
  Iphi <- matrix(0, q, q)
  for (a in 1:q) for (b in 1:q) Iphi[a, b] <- n / 2 * sum(diag(Si %*% dS[[a]] %*% Si %*% dS[[b]]))
  Iexp <- matrix(0, p + q, p + q)
  Iexp[1:p, 1:p] <- n * Si; Iexp[p + (1:q), p + (1:q)] <- Iphi
  list(theta = theta, phi = phi, loglik = full_ll(theta), grad_at_opt = numDeriv::grad(full_ll, theta),
       se_observed = sqrt(diag(solve(Hobs))), se_expected = sqrt(diag(solve(Iexp))),
       info_observed = Hobs, info_expected = Iexp, Sigma = S, optim_convergence = o$convergence)
}

# ---------------------------------------------------------------------------------------
# (c) lavaan SEs on the complete wide data
# ---------------------------------------------------------------------------------------
mean_syn <- paste(paste0(vars, " ~ 1"), collapse = "\n")
pairs <- t(combn(vars, 2))
m_cs <- paste(mean_syn,
              paste(paste0(vars, " ~~ v*", vars), collapse = "\n"),
              paste(paste0(pairs[, 1], " ~~ c*", pairs[, 2]), collapse = "\n"), sep = "\n")
m_sph <- paste(mean_syn,
               paste(paste0(vars, " ~~ v*", vars), collapse = "\n"),
               paste(paste0(pairs[, 1], " ~~ 0*", pairs[, 2]), collapse = "\n"), sep = "\n")
m_diag <- paste(mean_syn,
                paste(paste0(vars, " ~~ ", vars), collapse = "\n"),
                paste(paste0(pairs[, 1], " ~~ 0*", pairs[, 2]), collapse = "\n"), sep = "\n")
m_block <- paste(mean_syn,
                 paste(paste0(vars, " ~~ ", vars), collapse = "\n"),
                 "d8 ~~ d10\nd12 ~~ d14",
                 "d8 ~~ 0*d12\nd8 ~~ 0*d14\nd10 ~~ 0*d12\nd10 ~~ 0*d14", sep = "\n")
m_sat <- paste(mean_syn,
               paste(paste0(vars, " ~~ ", vars), collapse = "\n"),
               paste(paste0(pairs[, 1], " ~~ ", pairs[, 2]), collapse = "\n"), sep = "\n")

out$lavaan_models <- list(cs = m_cs, spherical = m_sph, diagonal = m_diag,
                          block_diagonal = m_block, saturated = m_sat)

lav_call <- function(model, data, extra = "") {
  sprintf('lavaan::lavaan(model = %s, data = %s, estimator = "ML", likelihood = "normal", meanstructure = TRUE%s)',
          model, data, extra)
}

# compound symmetry
r <- run(lav_call("m_cs", "orth", ', information = "expected"')); fit_cs_e <- r$value
out$lavaan_cs_expected <- lav_out(fit_cs_e, r$command)
r <- run(lav_call("m_cs", "orth", ', information = "observed"')); fit_cs_o <- r$value
out$lavaan_cs_observed <- lav_out(fit_cs_o, r$command)
checks[[length(checks) + 1]] <- check("lavaan CS logLik == gls CS logLik", out$lavaan_cs_expected$logLik, out$gls_cs$logLik, 1e-6)
checks[[length(checks) + 1]] <- check("lavaan CS v == gls sigma^2", lav_par(fit_cs_e, "d8", "~~", "d8")["est"], out$gls_cs$variance, 1e-5)
checks[[length(checks) + 1]] <- check("lavaan CS c == gls sigma^2 rho", lav_par(fit_cs_e, "d8", "~~", "d10")["est"], out$gls_cs$covariance, 1e-5)

# hand-written CS (phi = (v, c)) for an independent SE check
cs_fun <- function(phi) { S <- matrix(phi[2], 4, 4); diag(S) <- phi[1]; S }
hcs <- struct_fit(X, cs_fun, c(5, 3))
out$hand_cs <- list(
  command = "struct_fit(X, Sigma(v,c) = c*J + (v-c)*I, ...): optim + Newton polish; observed = -numDeriv::hessian(loglik), expected = analytic formula",
  parameters = c(paste0("mu_", vars), "v", "c"),
  est = hcs$theta, se_observed = hcs$se_observed, se_expected = hcs$se_expected, logLik = hcs$loglik)
se_lav <- function(fit, v) c(sapply(vars, function(x) lav_par(fit, x, "~1", "")["se"]),
                             lav_par(fit, "d8", "~~", "d8")["se"], lav_par(fit, "d8", "~~", "d10")["se"])
checks[[length(checks) + 1]] <- check("hand CS expected SEs == lavaan expected SEs", hcs$se_expected, se_lav(fit_cs_e), 1e-5)
checks[[length(checks) + 1]] <- check("hand CS observed SEs == lavaan observed SEs", hcs$se_observed, se_lav(fit_cs_o), 1e-5)
cs_closed <- c(v = mean(diag(S_ml)), c = mean(S_ml[upper.tri(S_ml)]))
out$hand_cs$closed_form <- list(formula = "v = tr(S_n)/p, c = sum_{i<j} S_n[i,j] / (p(p-1)/2) (ML of the CS structure with saturated mean)",
                                v = unname(cs_closed["v"]), c = unname(cs_closed["c"]))
checks[[length(checks) + 1]] <- check("hand CS (v, c) == closed form (avg diag, avg off-diag of S_n)", hcs$phi, cs_closed, 1e-9)
checks[[length(checks) + 1]] <- check("hand CS logLik == gls CS logLik", hcs$loglik, out$gls_cs$logLik, 1e-7)

# spherical & diagonal (expected; observed given as well)
r <- run(lav_call("m_sph", "orth", ', information = "expected"')); fit <- r$value
out$lavaan_spherical_expected <- lav_out(fit, r$command)
checks[[length(checks) + 1]] <- check("lavaan spherical logLik == gls spherical", out$lavaan_spherical_expected$logLik, out$gls_spherical$logLik, 1e-6)
r <- run(lav_call("m_sph", "orth", ', information = "observed"'))
out$lavaan_spherical_observed <- lav_out(r$value, r$command)
r <- run(lav_call("m_diag", "orth", ', information = "expected"')); fit <- r$value
out$lavaan_diagonal_expected <- lav_out(fit, r$command)
checks[[length(checks) + 1]] <- check("lavaan diagonal logLik == gls diagonal", out$lavaan_diagonal_expected$logLik, out$gls_diagonal$logLik, 1e-6)
r <- run(lav_call("m_diag", "orth", ', information = "observed"'))
out$lavaan_diagonal_observed <- lav_out(r$value, r$command)

# block diagonal {d8,d10}, {d12,d14}
r <- run(lav_call("m_block", "orth", ', information = "expected"')); fit_b_e <- r$value
out$lavaan_block_expected <- lav_out(fit_b_e, r$command)
r <- run(lav_call("m_block", "orth", ', information = "observed"')); fit_b_o <- r$value
out$lavaan_block_observed <- lav_out(fit_b_o, r$command)
ll_block <- mvn_ll(X[, 1:2], xbar[1:2], S_ml[1:2, 1:2]) + mvn_ll(X[, 3:4], xbar[3:4], S_ml[3:4, 3:4])
checks[[length(checks) + 1]] <- check("lavaan block logLik == sum of two saturated block logLiks", out$lavaan_block_expected$logLik, ll_block, 1e-6)
out$lavaan_block_expected$logLik_closed_form <- ll_block

# saturated, complete data (reference for SEs of every mean and covariance entry)
r <- run(lav_call("m_sat", "orth", ', information = "expected"')); fit <- r$value
out$lavaan_saturated_expected <- lav_out(fit, r$command)
checks[[length(checks) + 1]] <- check("lavaan saturated logLik == closed form", out$lavaan_saturated_expected$logLik, ll_sat, 1e-6)
pe_sat <- parameterEstimates(fit)
cf_se <- apply(pe_sat[pe_sat$op %in% c("~1", "~~"), c("lhs", "op", "rhs")], 1, function(z) {
  if (z[2] == "~1") sqrt(S_ml[z[1], z[1]] / n) else sqrt((S_ml[z[1], z[1]] * S_ml[z[3], z[3]] + S_ml[z[1], z[3]]^2) / n)
})
checks[[length(checks) + 1]] <- check("lavaan saturated expected SEs == closed form sqrt(s_ii/n), sqrt((s_ii s_jj + s_ij^2)/n)",
                                      pe_sat$se[pe_sat$op %in% c("~1", "~~")], cf_se, 1e-6)
out$lavaan_saturated_expected$closed_form_se = "se(mu_i) = sqrt(s_ii/n); se(sigma_ij) = sqrt((s_ii s_jj + s_ij^2)/n), S_n divisor n"
r <- run(lav_call("m_sat", "orth", ', information = "observed"'))
out$lavaan_saturated_observed <- lav_out(r$value, r$command)

# AR(1) by hand: Sigma_ij = v * rho^|i-j|, phi = (v, rho)
lag <- abs(outer(1:4, 1:4, "-"))
ar1_fun <- function(phi) phi[1] * phi[2]^lag
ar1_dS <- function(phi) list(phi[2]^lag,
                             phi[1] * ifelse(lag == 0, 0, lag * phi[2]^pmax(lag - 1, 0)))
har <- struct_fit(X, ar1_fun, c(4, 0.5), lower = c(1e-6, -0.999), upper = c(Inf, 0.999), dSigma = ar1_dS)
out$ar1_hand <- list(
  command = paste("optim(L-BFGS-B, factr=1) + Newton polish of the MVN log-likelihood over (v, rho) with mu = xbar;",
                  "observed SE: sqrt(diag(solve(-numDeriv::hessian(loglik, c(mu, v, rho)))));",
                  "expected SE: sqrt(diag(solve(blockdiag(n Sigma^-1, J' [n/2 D'(Si%x%Si)D] J))))"),
  parametrisation = "theta = (mu_d8, mu_d10, mu_d12, mu_d14, v, rho); Sigma_ij = v * rho^|i-j|, i,j = 1..4 in age order",
  expected_information_formula = "I[v,v] = n/2 tr(Si R Si R), I[v,rho] = n/2 tr(Si R Si dS_rho), I[rho,rho] = n/2 tr(Si dS_rho Si dS_rho); R = rho^|i-j|, dS_rho = v*|i-j|*rho^(|i-j|-1) (0 on diagonal); I_mu = n Si",
  parameters = c(paste0("mu_", vars), "v", "rho"),
  est = har$theta, logLik = har$loglik, gradient_at_optimum = har$grad_at_opt,
  se_observed = har$se_observed, se_expected = har$se_expected,
  information_observed = mat(har$info_observed), information_expected = mat(har$info_expected),
  cov = mat(har$Sigma))
checks[[length(checks) + 1]] <- check("hand AR1 logLik == gls AR1 logLik", har$loglik, out$gls_ar1$logLik, 1e-7)
checks[[length(checks) + 1]] <- check("hand AR1 (v, rho) == gls AR1", har$phi, c(out$gls_ar1$variance, out$gls_ar1$rho), 1e-4)
checks[[length(checks) + 1]] <- check("hand AR1 logLik == mvtnorm::dmvnorm sum", har$loglik,
                                      sum(mvtnorm::dmvnorm(X, har$theta[1:4], har$Sigma, log = TRUE)), 1e-9)

# ---------------------------------------------------------------------------------------
# (d) FIML with missing values on the Orthodont wide data
# ---------------------------------------------------------------------------------------
orth_mis <- orth
orth_mis$d14[c(2, 5, 9, 14, 20)] <- NA
orth_mis$d12[c(3, 11, 22)] <- NA
orth_mis$d10[7] <- NA
write.csv(orth_mis, file.path(DATA_DIR, "orthodont_wide_missing.csv"), row.names = FALSE)
out$orthodont_missing_data <- list(
  command = "orth_mis <- orth; orth_mis$d14[c(2,5,9,14,20)] <- NA; orth_mis$d12[c(3,11,22)] <- NA; orth_mis$d10[7] <- NA",
  file = "tests/reference/data/orthodont_wide_missing.csv", n_missing = sum(is.na(orth_mis[, vars])))

r <- run(lav_call("m_sat", "orth_mis", ', missing = "ml", information = "observed"')); fit_ms_o <- r$value
out$fiml_orth_saturated_observed <- lav_out(fit_ms_o, r$command)
r <- run(lav_call("m_sat", "orth_mis", ', missing = "ml", information = "expected"')); fit_ms_e <- r$value
out$fiml_orth_saturated_expected <- lav_out(fit_ms_e, r$command)
r <- run(lav_call("m_cs", "orth_mis", ', missing = "ml", information = "observed"'))
out$fiml_orth_cs_observed <- lav_out(r$value, r$command)
r <- run(lav_call("m_cs", "orth_mis", ', missing = "ml", information = "expected"'))
out$fiml_orth_cs_expected <- lav_out(r$value, r$command)

# independent check of the FIML saturated logLik: observed-data log-likelihood at lavaan's estimates
fiml_ll <- function(Xm, mu, S) {
  sum(sapply(seq_len(nrow(Xm)), function(i) {
    o <- !is.na(Xm[i, ])
    mvtnorm::dmvnorm(Xm[i, o], mu[o], S[o, o, drop = FALSE], log = TRUE)
  }))
}
impl <- lavInspect(fit_ms_o, "implied")
ll_chk <- fiml_ll(as.matrix(orth_mis[, vars]), impl$mean[vars], impl$cov[vars, vars])
checks[[length(checks) + 1]] <- check("FIML orth saturated logLik == sum of observed-part dmvnorm", out$fiml_orth_saturated_observed$logLik, ll_chk, 1e-8)
out$fiml_orth_saturated_observed$implied_mean <- nv(impl$mean[vars])
out$fiml_orth_saturated_observed$implied_cov <- mat(unclass(impl$cov)[vars, vars])

# ---------------------------------------------------------------------------------------
# (e) saturated FIML on airquality
# ---------------------------------------------------------------------------------------
air <- datasets::airquality
write.csv(air, file.path(DATA_DIR, "airquality.csv"), row.names = FALSE)
avars <- c("Ozone", "Solar.R", "Wind", "Temp")
apairs <- t(combn(avars, 2))
m_air <- paste(paste(paste0(avars, " ~ 1"), collapse = "\n"),
               paste(paste0(avars, " ~~ ", avars), collapse = "\n"),
               paste(paste0(apairs[, 1], " ~~ ", apairs[, 2]), collapse = "\n"), sep = "\n")
out$lavaan_models$airquality_saturated <- m_air
out$airquality_data <- list(command = "write.csv(datasets::airquality, row.names = FALSE)",
                            file = "tests/reference/data/airquality.csv", n = nrow(air),
                            columns_used = avars, n_missing = nrow(air) - sum(complete.cases(air[, avars])))
r <- run(lav_call("m_air", "air", ', missing = "ml", information = "observed"')); fit_air_o <- r$value
out$fiml_air_observed <- lav_out(fit_air_o, r$command)
impl <- lavInspect(fit_air_o, "implied")
out$fiml_air_observed$implied_mean <- nv(impl$mean[avars])
out$fiml_air_observed$implied_cov <- mat(unclass(impl$cov)[avars, avars])
checks[[length(checks) + 1]] <- check("FIML airquality logLik == sum of observed-part dmvnorm", out$fiml_air_observed$logLik,
                                      fiml_ll(as.matrix(air[, avars]), impl$mean[avars], impl$cov[avars, avars]), 1e-8)
r <- run(lav_call("m_air", "air", ', missing = "ml", information = "expected"'))
out$fiml_air_expected <- lav_out(r$value, r$command)
r <- run(lav_call("m_air", "air", ', missing = "ml", se = "robust.huber.white", information = "observed"'))
out$fiml_air_robust_huber_white_observed <- lav_out(r$value, r$command)
out$fiml_air_robust_huber_white_observed$note <- "sandwich SE: bread = observed information, meat = sum of casewise score outer products (lavaan MLR-type, no small-sample factor)"
r <- run(lav_call("m_air", "air", ', missing = "ml", se = "robust.huber.white", information = "expected"'))
out$fiml_air_robust_huber_white_expected <- lav_out(r$value, r$command)
out$fiml_air_robust_huber_white_expected$note <- "sandwich SE: bread = expected (structured h1) information, meat = casewise score outer products"

# ---------------------------------------------------------------------------------------
# (f) factor analysis on psych::bfi (10 items, complete cases)
# ---------------------------------------------------------------------------------------
items <- c("A1", "A2", "A3", "A4", "A5", "C1", "C2", "C3", "C4", "C5")
bfi10 <- psych::bfi[, items]
bfi10 <- bfi10[complete.cases(bfi10), ]
rownames(bfi10) <- NULL
write.csv(bfi10, file.path(DATA_DIR, "bfi10.csv"), row.names = FALSE)
Xb <- as.matrix(bfi10); nb <- nrow(Xb); pb <- ncol(Xb)
Sb <- crossprod(sweep(Xb, 2, colMeans(Xb))) / nb
out$bfi10_data <- list(command = "bfi10 <- psych::bfi[, c('A1','A2','A3','A4','A5','C1','C2','C3','C4','C5')]; bfi10 <- bfi10[complete.cases(bfi10), ]",
                       file = "tests/reference/data/bfi10.csv", n = nb, columns = items,
                       cov_ml_divisor_n = mat(Sb), loglik_saturated = mvn_ll(Xb, colMeans(Xb), Sb))

fa_out <- function(r) {
  fa <- r$value
  L <- unclass(loadings(fa)); psi <- fa$uniquenesses
  D <- diag(sqrt(diag(Sb)))
  Sig_cor <- L %*% t(L) + diag(psi)
  Sig <- D %*% Sig_cor %*% D; dimnames(Sig) <- list(items, items)
  ll <- -nb / 2 * (pb * log(2 * pi) + as.numeric(determinant(Sig)$modulus) + sum(diag(solve(Sig, Sb))))
  list(command = r$command,
       identification = "factanal: unrotated ML loadings with L' Psi^-1 L diagonal (columns = eigenvectors of Psi^-1/2 R Psi^-1/2, ordered by decreasing eigenvalue); column signs as returned by factanal",
       uniquenesses = nv(psi), loadings = mat(L),
       STATISTIC = unname(fa$STATISTIC), dof = unname(fa$dof), PVAL = unname(fa$PVAL),
       objective = unname(fa$criteria["objective"]), n.obs = fa$n.obs,
       statistic_formula = "(n.obs - 1 - (2p+5)/6 - 2*factors/3) * objective, objective = log|Sigma_cor| - log|R| + tr(Sigma_cor^-1 R) - p",
       corr_metric_Sigma = mat(Sig_cor),
       cov_metric_Sigma_hat = mat(Sig),
       cov_metric_formula = "Sigma_hat = D (L L' + Psi) D, D = diag(sqrt(diag(S_n))), S_n = ML sample covariance (divisor n)",
       loglik_at_Sigma_hat = ll,
       loglik_formula = "-n/2 [p log(2 pi) + log|Sigma_hat| + tr(Sigma_hat^-1 S_n)] (mean saturated, mu = xbar)")
}
r <- run('factanal(bfi10, factors = 2, rotation = "none")'); out$factanal_2 <- fa_out(r)
r <- run('factanal(bfi10, factors = 1, rotation = "none")'); out$factanal_1 <- fa_out(r)

# cross-check factanal(1) against a lavaan one-factor model on all 10 items
m_f10 <- paste("F =~", paste(items, collapse = " + "))
fit_f10 <- lavaan::cfa(m_f10, data = bfi10, std.lv = TRUE, meanstructure = TRUE, estimator = "ML", likelihood = "normal")
checks[[length(checks) + 1]] <- check("factanal(1) loglik at Sigma_hat == lavaan 1-factor CFA logLik (10 items)",
                                      out$factanal_1$loglik_at_Sigma_hat, as.numeric(fitMeasures(fit_f10, "logl")), 1e-3)
out$factanal_1$lavaan_cross_check_logLik <- as.numeric(fitMeasures(fit_f10, "logl"))

m_c <- "F =~ C1 + C2 + C3 + C4 + C5"
out$lavaan_models$cfa_C <- m_c
cfa_call <- function(extra) sprintf('lavaan::cfa(m_c, data = bfi10, std.lv = TRUE, meanstructure = TRUE, estimator = "ML", likelihood = "normal"%s)', extra)
r <- run(cfa_call(', information = "expected"')); out$cfa_C_expected <- lav_out(r$value, r$command)
r <- run(cfa_call(', information = "observed"')); out$cfa_C_observed <- lav_out(r$value, r$command)
out$cfa_C_expected$note <- "std.lv=TRUE: factor variance fixed to 1, all 5 loadings free; ~~ on Ck = residual (unique) variance, ~1 = intercepts (= sample means); sign: lavaan's solution (starting values make the first loading positive)"

out$checks <- checks
write_ref(out, "structures.json")
message("failed checks: ", sum(!sapply(checks, `[[`, "ok")))
