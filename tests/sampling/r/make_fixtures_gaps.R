# Reference values from R's survey package for tests/sampling/test_r_gaps.py (issue 14).
#
# Run from the repository root:  Rscript tests/sampling/r/make_fixtures_gaps.R
# Needs r-base-core and r-cran-survey (Debian). Reads sample.csv (written by make_fixtures.R) and
# writes gaps.json beside this script: negative weights from linear calibration, a pooled design with
# a one-respondent country under every survey.lonely.psu rule, calibrate(calfun="raking"),
# trimWeights, a JK1 replicate design with domains (Rao-Scott, domain difference, intervals with the
# replicate df), design effects with and without the finite-population factor on a frame given as
# counts, z and t intervals, and Jeffreys intervals from R's own SE. The tests read these files, so
# CI needs no R.
suppressPackageStartupMessages(library(survey))
options(digits = 17, survey.replicates.mse = FALSE)

here <- local({
  args <- commandArgs(trailingOnly = FALSE)
  f <- sub("^--file=", "", args[grep("^--file=", args)])
  if (length(f)) dirname(normalizePath(f)) else "tests/sampling/r"
})
s <- read.csv(file.path(here, "sample.csv"), stringsAsFactors = FALSE)
n <- nrow(s)
tight <- list(maxit = 200, epsilon = 1e-12)
d0 <- svydesign(ids = ~1, weights = ~base_weight, data = s)

mean_of <- function(formula, design, ...) {
  m <- svymean(formula, design, ...)
  out <- list(estimate = unname(coef(m)), se = unname(SE(m)))
  if (!is.null(attr(m, "deff"))) out$deff <- unname(diag(as.matrix(attr(m, "deff"))))
  out
}
total_of <- function(formula, design, ...) {
  m <- svytotal(formula, design, ...)
  out <- list(estimate = unname(coef(m)), se = unname(SE(m)))
  if (!is.null(attr(m, "deff"))) out$deff <- unname(diag(as.matrix(attr(m, "deff"))))
  out
}
by_of <- function(formula, by, design, ...) {
  b <- svyby(formula, by, design, svymean, ...)
  out <- list(levels = as.character(b[[1]]), estimate = unname(coef(b)), se = unname(SE(b)))
  if (!is.null(attr(b, "deff")) || "DEff.agree" %in% names(b)) out$deff <- unname(deff(b))
  out
}
ciprop <- function(design, method, formula = ~agree, ...) {
  ci <- svyciprop(formula, design, method = method, ...)
  list(estimate = unname(as.numeric(ci)), ci = unname(as.numeric(attr(ci, "ci"))))
}
chisq <- function(design, formula = ~specialty + opinion) {
  f <- svychisq(formula, design, statistic = "F")
  c2 <- svychisq(formula, design, statistic = "Chisq")
  list(F = unname(f$statistic), ndf = unname(f$parameter[1]), ddf = unname(f$parameter[2]),
       p_F = unname(f$p.value), chisq = unname(c2$statistic), df = unname(c2$parameter[1]),
       p_chisq = unname(c2$p.value))
}
totals_for <- function(shares, total) {
  mm <- model.matrix(~country + specialty + sex + age_band, s)
  pop <- c(`(Intercept)` = total)
  for (v in names(shares)) {
    lv <- sort(unique(s[[v]]))[-1]
    t <- shares[[v]][lv] * total
    names(t) <- paste0(v, lv)
    pop <- c(pop, t)
  }
  pop[colnames(mm)]
}
shares <- list(
  country = c(US = 0.68, ES = 0.20, MX = 0.12),
  specialty = c(family_medicine = 0.28, internal_medicine = 0.22, cardiology = 0.12,
                paediatrics = 0.15, surgery = 0.23),
  sex = c(female = 0.45, male = 0.55),
  age_band = c(under_35 = 0.14, `35_49` = 0.36, `50_64` = 0.32, `65_plus` = 0.18)
)
tables_for <- function(shares, total) {
  out <- lapply(names(shares), function(v) {
    d <- data.frame(names(shares[[v]]), as.vector(shares[[v]]) * total, stringsAsFactors = FALSE)
    names(d) <- c(v, "Freq")
    d
  })
  names(out) <- names(shares)
  out
}
margins <- lapply(names(shares), function(v) as.formula(paste("~", v)))

# 1. Negative weights: linear calibration to margins far from the sample.
skewed <- list(
  country = c(US = 0.20, ES = 0.50, MX = 0.30),
  specialty = c(family_medicine = 0.45, internal_medicine = 0.10, cardiology = 0.05,
                paediatrics = 0.30, surgery = 0.10),
  sex = c(female = 0.75, male = 0.25),
  age_band = c(under_35 = 0.50, `35_49` = 0.20, `50_64` = 0.20, `65_plus` = 0.10)
)
negative <- calibrate(d0, ~country + specialty + sex + age_band, totals_for(skewed, n), calfun = "linear")
logit_refused <- tryCatch({svyciprop(~agree, negative, method = "logit"); FALSE},
                          error = function(e) grepl("negative weights", conditionMessage(e)))
negative_fx <- list(
  targets = lapply(skewed, as.list),
  weights = unname(weights(negative)),
  n_negative = sum(weights(negative) < 0),
  agree = mean_of(~agree, negative),
  score = mean_of(~score, negative),
  agree_by_country = by_of(~agree, ~country, negative),
  score_by_sex = by_of(~score, ~sex, negative),
  ciprop_xlogit = ciprop(negative, "xlogit"),
  ciprop_beta = ciprop(negative, "beta"),
  logit_refused = logit_refused
)

# 2. A pooled design with a country of one respondent (NZ), under every survey.lonely.psu rule.
lonely_row <- s[1, ]
lonely_row$respondent_id <- n + 1
lonely_row$country <- "NZ"
s_lonely <- rbind(s, lonely_row)
frames <- list(
  US = list(sex = c(female = 0.40, male = 0.60),
            age_band = c(under_35 = 0.12, `35_49` = 0.35, `50_64` = 0.33, `65_plus` = 0.20)),
  ES = list(sex = c(female = 0.55, male = 0.45),
            age_band = c(under_35 = 0.15, `35_49` = 0.35, `50_64` = 0.30, `65_plus` = 0.20)),
  MX = list(sex = c(female = 0.45, male = 0.55),
            age_band = c(under_35 = 0.20, `35_49` = 0.40, `50_64` = 0.28, `65_plus` = 0.12)),
  NZ = list(sex = setNames(1, lonely_row$sex), age_band = setNames(1, lonely_row$age_band))
)
population <- c(US = 0.60, ES = 0.20, MX = 0.15, NZ = 0.05)
pooled_tables <- lapply(c("sex", "age_band"), function(v) {
  d <- do.call(rbind, lapply(names(frames), function(cn) {
    data.frame(country = cn, level = names(frames[[cn]][[v]]),
               Freq = (n + 1) * population[[cn]] * as.vector(frames[[cn]][[v]]), stringsAsFactors = FALSE)
  }))
  names(d)[2] <- v
  d
})
strat <- svydesign(ids = ~1, strata = ~country, weights = ~base_weight, data = s_lonely)
pooled_lonely <- rake(strat, list(~country + sex, ~country + age_band), pooled_tables, control = tight)
lonely_fx <- list(
  frames = lapply(frames, function(f) lapply(f, as.list)),
  population = as.list(population),
  weights = unname(weights(pooled_lonely))
)
fails <- tryCatch({svymean(~agree, pooled_lonely); FALSE}, error = function(e) grepl("one PSU", conditionMessage(e)))
lonely_fx$fail_refused <- fails
for (rule in c("remove", "certainty", "adjust", "average")) {
  options(survey.lonely.psu = rule)
  lonely_fx[[rule]] <- list(agree = mean_of(~agree, pooled_lonely), score = mean_of(~score, pooled_lonely),
                            agree_by_country = by_of(~agree, ~country, pooled_lonely),
                            ciprop_logit = ciprop(pooled_lonely, "logit"))
}
options(survey.lonely.psu = "fail")

# 3. calibrate(calfun = "raking"): rake's weights, GREG-residual variance.
cal_raking <- calibrate(d0, ~country + specialty + sex + age_band, totals_for(shares, n), calfun = "raking",
                        epsilon = 1e-13, maxit = 200)
cal_raking_bounded <- calibrate(d0, ~country + specialty + sex + age_band, totals_for(shares, n),
                                calfun = "raking", bounds = c(0.6, 1.8), epsilon = 1e-13, maxit = 200)
raked <- rake(d0, margins, tables_for(shares, n), control = tight)
describe <- function(design) {
  list(weights = unname(weights(design)), agree = mean_of(~agree, design), score = mean_of(~score, design),
       opinion = mean_of(~opinion, design), agree_by_country = by_of(~agree, ~country, design),
       agree_total = total_of(~agree, design))
}

# 4. trimWeights on the raked design: cap, spread evenly, no re-raking.
trimmed <- trimWeights(raked, upper = 2.2, lower = 0.45)
trimmed_strict <- trimWeights(raked, upper = 2.2, strict = TRUE)  # both caps with strict recurse without end in R

# 5. A JK1 replicate design raked per replicate, with domains: Rao-Scott, domain difference, df.
jk0 <- as.svrepdesign(d0, type = "JK1", compress = FALSE)
jk <- rake(jk0, margins, tables_for(shares, n), control = tight)
fit <- svyglm(agree ~ sex, design = jk)
by_sex <- svyby(~agree, ~sex, jk, svymean, covmat = TRUE)
contrast <- svycontrast(by_sex, c(1, -1))
replicate_fx <- list(
  degf = degf(jk),
  chisq_specialty_opinion = chisq(jk),
  chisq_sex_agree = chisq(jk, ~sex + agree),
  difference_agree_female_male = list(estimate = unname(coef(contrast)), se = unname(SE(contrast)),
                                      df = fit$df.residual),
  agree_by_country = by_of(~agree, ~country, jk),
  ciprop_logit = ciprop(jk, "logit"),
  ciprop_beta = ciprop(jk, "beta"),
  score = mean_of(~score, jk),
  score_ci_degf = unname(as.numeric(confint(svymean(~score, jk), df = degf(jk)))),
  bootstrap_degf = degf(as.svrepdesign(d0, type = "bootstrap", replicates = 50))
)

# 6. A frame given as counts (a population of 250,000): design effects with the fpc (deff=TRUE) and
#    without (deff="replace"); z and t intervals.
N <- 250000
counted <- rake(d0, margins, tables_for(shares, N), control = tight)
counts_fx <- list(
  total = N,
  weights = unname(weights(counted)),
  agree_fpc = mean_of(~agree, counted, deff = TRUE),
  agree_replace = mean_of(~agree, counted, deff = "replace"),
  score_fpc = mean_of(~score, counted, deff = TRUE),
  agree_total_fpc = total_of(~agree, counted, deff = TRUE),
  agree_by_country_fpc = by_of(~agree, ~country, counted, deff = TRUE),
  score_ci_z = unname(as.numeric(confint(svymean(~score, counted)))),
  score_ci_t = unname(as.numeric(confint(svymean(~score, counted), df = degf(counted)))),
  agree_total_ci_z = unname(as.numeric(confint(svytotal(~agree, counted)))),
  ciprop_logit_z = ciprop(counted, "logit", df = Inf)
)

# 7. Jeffreys at the effective n, from R's own estimate and SE: Beta(x + 1/2, n - x + 1/2), x = p n_eff.
jeffreys <- function(design, formula) {
  m <- svymean(formula, design)
  p <- unname(coef(m)); v <- unname(diag(vcov(m)))
  neff <- n * p * (1 - p) / ((n - 1) * v)
  x <- p * neff
  c(qbeta(0.025, x + 0.5, neff - x + 0.5), qbeta(0.975, x + 0.5, neff - x + 0.5))
}
jeffreys_fx <- list(agree = jeffreys(raked, ~agree), rare = jeffreys(raked, ~rare))

fixtures <- list(
  survey_version = as.character(packageVersion("survey")),
  negative = negative_fx,
  lonely = lonely_fx,
  calibrate_raking = describe(cal_raking),
  calibrate_raking_bounded = list(weights = unname(weights(cal_raking_bounded)),
                                  agree = mean_of(~agree, cal_raking_bounded)),
  raked_agree = mean_of(~agree, raked),
  trimweights = describe(trimmed),
  trimweights_strict = list(weights = unname(weights(trimmed_strict)), agree = mean_of(~agree, trimmed_strict)),
  jk1 = replicate_fx,
  counts = counts_fx,
  jeffreys = jeffreys_fx
)

to_json <- function(x, indent = 0) {
  pad <- strrep(" ", indent)
  if (is.list(x)) {
    keys <- names(x)
    inner <- vapply(seq_along(x), function(i) {
      v <- to_json(x[[i]], indent + 2)
      if (is.null(keys)) paste0(pad, "  ", v) else paste0(pad, "  \"", keys[i], "\": ", v)
    }, "")
    open <- if (is.null(keys)) "[" else "{"
    close <- if (is.null(keys)) "]" else "}"
    return(paste0(open, "\n", paste(inner, collapse = ",\n"), "\n", pad, close))
  }
  if (is.character(x)) {
    vals <- paste0("\"", x, "\"")
  } else if (is.logical(x)) {
    vals <- ifelse(x, "true", "false")
  } else {
    vals <- ifelse(is.finite(x), sprintf("%.17g", x), "null")
  }
  if (length(x) == 1 && is.null(attr(x, "array"))) vals else paste0("[", paste(vals, collapse = ", "), "]")
}
as_arrays <- function(x) {
  if (is.list(x)) return(lapply(x, as_arrays))
  if (length(x) >= 1 && !is.character(x) && !is.logical(x) || length(x) > 1) attr(x, "array") <- TRUE
  x
}
fx <- as_arrays(fixtures)
fx$survey_version <- fixtures$survey_version
fx$counts$total <- N
fx$jk1$degf <- fixtures$jk1$degf
fx$jk1$bootstrap_degf <- fixtures$jk1$bootstrap_degf
fx$negative$n_negative <- fixtures$negative$n_negative
fx$negative$targets <- lapply(skewed, as.list)
fx$lonely$frames <- lapply(frames, function(f) lapply(f, as.list))
fx$lonely$population <- as.list(population)
writeLines(to_json(fx), file.path(here, "gaps.json"))
cat("wrote", file.path(here, "gaps.json"), "\n")
