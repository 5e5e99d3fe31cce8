# Reference values from R's survey package for tests/sampling/test_r_agreement.py.
#
# Run from the repository root:  Rscript tests/sampling/r/make_fixtures.R
# Needs r-base-core and r-cran-survey (Debian). Writes, beside this script:
#   sample.csv          the simulated respondents (fixed seed)
#   targets.json        the population margins as shares
#   fixtures.json       weights, estimates, SEs, CIs and Rao-Scott tests computed by survey
# The tests read these files, so CI needs no R.
suppressPackageStartupMessages(library(survey))
options(digits = 17, survey.replicates.mse = FALSE)

here <- local({
  args <- commandArgs(trailingOnly = FALSE)
  f <- sub("^--file=", "", args[grep("^--file=", args)])
  if (length(f)) dirname(normalizePath(f)) else "tests/sampling/r"
})

set.seed(20261123)
n <- 2400
# A skewed opt-in sample: the US, internists, men and the middle-aged over-represented.
country <- sample(c("US", "ES", "MX"), n, replace = TRUE, prob = c(0.60, 0.25, 0.15))
specialty <- sample(c("family_medicine", "internal_medicine", "cardiology", "paediatrics", "surgery"),
                    n, replace = TRUE, prob = c(0.20, 0.30, 0.18, 0.12, 0.20))
sex <- sample(c("female", "male"), n, replace = TRUE, prob = c(0.38, 0.62))
age_band <- sample(c("under_35", "35_49", "50_64", "65_plus"), n, replace = TRUE,
                   prob = c(0.10, 0.40, 0.35, 0.15))
# Panel base weights (recruitment source), deliberately unequal.
base_weight <- sample(c(0.8, 1, 1.6), n, replace = TRUE, prob = c(0.3, 0.5, 0.2))
eta <- -0.4 + 0.5 * (country == "ES") - 0.3 * (country == "MX") + 0.6 * (specialty == "cardiology") +
  0.3 * (sex == "female") - 0.4 * (age_band == "65_plus")
agree <- rbinom(n, 1, plogis(eta))
score <- round(5 + 1.2 * (specialty == "surgery") - 0.8 * (sex == "male") + 0.5 * (age_band == "under_35") +
  rnorm(n, 0, 2), 1)
u <- runif(n)
p_support <- plogis(-0.2 + 0.7 * (specialty == "paediatrics") + 0.4 * (country == "US"))
opinion <- ifelse(u < p_support, "support", ifelse(u < p_support + 0.25, "oppose", "unsure"))
rare <- rbinom(n, 1, 0.02)

sample_df <- data.frame(respondent_id = seq_len(n), country, specialty, sex, age_band, base_weight,
                        agree, score, opinion, rare, stringsAsFactors = FALSE)
write.csv(sample_df, file.path(here, "sample.csv"), row.names = FALSE)

shares <- list(
  country = c(US = 0.68, ES = 0.20, MX = 0.12),
  specialty = c(family_medicine = 0.28, internal_medicine = 0.22, cardiology = 0.12,
                paediatrics = 0.15, surgery = 0.23),
  sex = c(female = 0.45, male = 0.55),
  age_band = c(under_35 = 0.14, `35_49` = 0.36, `50_64` = 0.32, `65_plus` = 0.18)
)
# Weighted totals are scaled to the sample size (mean weight 1).
pop_tables <- lapply(names(shares), function(v) {
  d <- data.frame(names(shares[[v]]), as.vector(shares[[v]]) * n, stringsAsFactors = FALSE)
  names(d) <- c(v, "Freq")
  d
})
names(pop_tables) <- names(shares)
margins <- lapply(names(shares), function(v) as.formula(paste("~", v)))

des0 <- svydesign(ids = ~1, weights = ~base_weight, data = sample_df)
tight <- list(maxit = 200, epsilon = 1e-12)
raked <- rake(des0, margins, pop_tables, control = tight)
cal_margins <- lapply(pop_tables, function(d) {
  x <- d$Freq
  names(x) <- d[[1]]
  x
})
# calibrate() wants totals named like model.matrix columns: intercept then treatment dummies.
cal_totals <- local({
  mm <- model.matrix(~country + specialty + sex + age_band, sample_df)
  tot <- c(`(Intercept)` = n)
  for (v in names(shares)) {
    lv <- sort(unique(sample_df[[v]]))[-1]
    t <- cal_margins[[v]][lv] 
    names(t) <- paste0(v, lv)
    tot <- c(tot, t)
  }
  tot[colnames(mm)]
})
linear <- calibrate(des0, ~country + specialty + sex + age_band, cal_totals, calfun = "linear",
                    epsilon = 1e-13, maxit = 200)
# Bounded calibration: R bounds g = w / d with d the design weights as given (here summing to about
# 1.06 n, so g averages about 0.94), and so does sampling.calibrate. The scaled case starts from base
# weights scaled to sum to n; the bounded linear case truncates g.
logit <- calibrate(des0, ~country + specialty + sex + age_band, cal_totals, calfun = "logit",
                   bounds = c(0.5, 2), epsilon = 1e-13, maxit = 200)
des_n <- svydesign(ids = ~1, weights = ~I(base_weight * n / sum(base_weight)), data = sample_df)
logit_scaled <- calibrate(des_n, ~country + specialty + sex + age_band, cal_totals, calfun = "logit",
                          bounds = c(0.5, 2), epsilon = 1e-13, maxit = 200)
linear_bounded <- calibrate(des0, ~country + specialty + sex + age_band, cal_totals, calfun = "linear",
                            bounds = c(0.6, 1.8), epsilon = 1e-13, maxit = 200)
post <- postStratify(des0, ~country, pop_tables$country)

est_mean <- function(formula, design, deff = TRUE) {
  m <- if (deff) svymean(formula, design, deff = "replace") else svymean(formula, design)
  out <- list(names = names(coef(m)), estimate = unname(coef(m)), se = unname(SE(m)))
  if (deff) out$deff <- unname(diag(as.matrix(attr(m, "deff"))))
  out
}
est_by <- function(formula, by, design) {
  b <- svyby(formula, by, design, svymean)
  list(levels = as.character(b[[1]]), estimate = unname(coef(b)), se = unname(SE(b)))
}
est_total <- function(formula, design) {
  m <- svytotal(formula, design)
  list(estimate = unname(coef(m)), se = unname(SE(m)))
}
ciprop <- function(design, method, formula = ~agree) {
  ci <- svyciprop(formula, design, method = method)
  list(estimate = unname(as.numeric(ci)), ci = unname(as.numeric(attr(ci, "ci"))))
}
chisq <- function(design, formula = ~specialty + opinion) {
  f <- svychisq(formula, design, statistic = "F")
  c2 <- svychisq(formula, design, statistic = "Chisq")
  list(F = unname(f$statistic), ndf = unname(f$parameter[1]), ddf = unname(f$parameter[2]),
       p_F = unname(f$p.value), chisq = unname(c2$statistic), df = unname(c2$parameter[1]),
       p_chisq = unname(c2$p.value))
}
describe <- function(design) {
  list(
    weights = unname(weights(design)),
    agree = est_mean(~agree, design),
    score = est_mean(~score, design),
    opinion = est_mean(~opinion, design),
    agree_by_country = est_by(~agree, ~country, design),
    score_by_sex = est_by(~score, ~sex, design),
    agree_total = est_total(~agree, design),
    ciprop_logit = ciprop(design, "logit"),
    ciprop_xlogit = ciprop(design, "xlogit"),
    ciprop_beta = ciprop(design, "beta"),
    ciprop_rare_beta = ciprop(design, "beta", ~rare),
    ciprop_rare_logit = ciprop(design, "logit", ~rare),
    chisq_specialty_opinion = chisq(design),
    chisq_sex_agree = chisq(design, ~sex + agree)
  )
}

# Several countries, each raked to its own frame, pooled by physician population share: R's equivalent
# is a design stratified by country raked to country-by-variable margins (sampling.pooling.pool).
frames <- list(
  US = list(sex = c(female = 0.40, male = 0.60),
            specialty = c(family_medicine = 0.30, internal_medicine = 0.25, cardiology = 0.10,
                          paediatrics = 0.15, surgery = 0.20),
            age_band = c(under_35 = 0.12, `35_49` = 0.35, `50_64` = 0.33, `65_plus` = 0.20)),
  ES = list(sex = c(female = 0.55, male = 0.45),
            specialty = c(family_medicine = 0.35, internal_medicine = 0.20, cardiology = 0.10,
                          paediatrics = 0.15, surgery = 0.20),
            age_band = c(under_35 = 0.15, `35_49` = 0.35, `50_64` = 0.30, `65_plus` = 0.20)),
  MX = list(sex = c(female = 0.45, male = 0.55),
            specialty = c(family_medicine = 0.25, internal_medicine = 0.25, cardiology = 0.15,
                          paediatrics = 0.15, surgery = 0.20),
            age_band = c(under_35 = 0.20, `35_49` = 0.40, `50_64` = 0.28, `65_plus` = 0.12))
)
country_share <- shares$country
pooled_vars <- c("sex", "specialty", "age_band")
pooled_tables <- lapply(pooled_vars, function(v) {
  d <- do.call(rbind, lapply(names(frames), function(cn) {
    data.frame(country = cn, level = names(frames[[cn]][[v]]),
               Freq = n * country_share[[cn]] * as.vector(frames[[cn]][[v]]), stringsAsFactors = FALSE)
  }))
  names(d)[2] <- v
  d
})
pooled_margins <- lapply(pooled_vars, function(v) as.formula(paste("~country +", v)))
strat0 <- svydesign(ids = ~1, strata = ~country, weights = ~base_weight, data = sample_df)
pooled <- rake(strat0, pooled_margins, pooled_tables, control = tight)
jkn0 <- as.svrepdesign(strat0, type = "JKn", compress = FALSE)
jkn_pooled <- rake(jkn0, pooled_margins, pooled_tables, control = tight)

# Replicate designs built on the UNRAKED design, then raked, so each replicate is re-raked.
jk0 <- as.svrepdesign(des0, type = "JK1", compress = FALSE)
jk_raked <- rake(jk0, margins, pop_tables, control = tight)
jk_post <- postStratify(jk0, ~country, pop_tables$country)
rep_summary <- function(design) {
  list(agree = est_mean(~agree, design, deff = FALSE),
       score = est_mean(~score, design, deff = FALSE),
       opinion = est_mean(~opinion, design, deff = FALSE),
       agree_by_country = est_by(~agree, ~country, design))
}

# Difference of two domain proportions after raking. svyby(covmat = TRUE) fails on calibrated designs
# in survey 4.x, so use the saturated linear svyglm: its sexmale coefficient is p(male) - p(female)
# and its linearised SE is that of the domain difference.
fit_sex <- svyglm(agree ~ sex, design = raked)
diff_sex <- list(coef = -unname(coef(fit_sex)["sexmale"]), se = unname(SE(fit_sex)["sexmale"]))
fit_pooled <- svyglm(agree ~ sex, design = pooled)
diff_pooled <- list(coef = -unname(coef(fit_pooled)["sexmale"]), se = unname(SE(fit_pooled)["sexmale"]))

fixtures <- list(
  n = n,
  survey_version = as.character(packageVersion("survey")),
  base_weighted = describe(des0),
  raked = describe(raked),
  linear = describe(linear),
  logit = describe(logit),
  logit_scaled = list(weights = unname(weights(logit_scaled)), agree = est_mean(~agree, logit_scaled)),
  linear_bounded = list(weights = unname(weights(linear_bounded)), agree = est_mean(~agree, linear_bounded),
                        g_range = range(weights(linear_bounded) / sample_df$base_weight)),
  poststratified = describe(post),
  jk1_base_weighted = rep_summary(jk0),
  jk1_raked = rep_summary(jk_raked),
  jk1_poststratified = rep_summary(jk_post),
  pooled = describe(pooled),
  jkn_pooled = rep_summary(jkn_pooled),
  difference_agree_female_male = list(estimate = diff_sex$coef, se = diff_sex$se),
  pooled_difference_agree_female_male = list(estimate = diff_pooled$coef, se = diff_pooled$se)
)

shares_out <- lapply(shares, as.list)
jsonlite_available <- requireNamespace("jsonlite", quietly = TRUE)
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
# Keep vectors as JSON arrays even when of length one for the estimate fields.
as_arrays <- function(x) {
  if (is.list(x)) return(lapply(x, as_arrays))
  if (length(x) >= 1 && !is.character(x) || length(x) > 1) attr(x, "array") <- TRUE
  x
}
fx <- as_arrays(fixtures)
fx$n <- n
fx$survey_version <- as.character(packageVersion("survey"))
writeLines(to_json(fx), file.path(here, "fixtures.json"))
writeLines(to_json(shares_out), file.path(here, "targets.json"))
writeLines(to_json(list(frames = lapply(frames, function(f) lapply(f, as.list)),
                        population = as.list(country_share))), file.path(here, "pooled_targets.json"))
cat("wrote", file.path(here, "fixtures.json"), "\n")
