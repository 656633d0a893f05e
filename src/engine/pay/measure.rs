//! One measure's payout: the rate table applied band by band to what was achieved, the
//! threshold below which it pays nothing, the cap above which it pays no more, and each deal's
//! share of the result.
//!
//! Bands are marginal, not retroactive: each band of attainment is paid at its own rate, so
//! crossing into an accelerator raises the pay on the amount above the boundary only. Rates are
//! never negative, so more achievement never pays less.

use super::arith::{checked_sum, div_round, mul_div, narrow, BP};
use super::plan::{Measure, Tier};
use super::CompError;

/// The payout function of one measure for one period.
#[derive(Debug, Clone, Copy)]
pub struct Curve<'a> {
    pub tiers: &'a [Tier],
    pub threshold_bp: i64,
    pub cap_bp: Option<i64>,
    /// What 100% attainment means, in the measure's units (minor units or logo units).
    pub target: i64,
    /// The measure's target incentive for the period, in minor units.
    pub target_incentive: i64,
}

/// One band of the rate table evaluated at an achievement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BandResult {
    pub index: usize,
    pub from_bp: i64,
    pub to_bp: Option<i64>,
    pub rate_bp: i64,
    /// Achievement that falls inside the band, in the measure's units, rounded for display
    /// (the amount uses the exact figure).
    pub achieved_in_band: i64,
    pub amount: i64,
}

impl<'a> Curve<'a> {
    pub fn new(measure: &'a Measure, target: i64, target_incentive: i64) -> Self {
        Self {
            tiers: &measure.tiers,
            threshold_bp: measure.threshold_bp,
            cap_bp: measure.cap_bp,
            target,
            target_incentive,
        }
    }

    pub fn threshold_met(&self, achieved: i64) -> bool {
        i128::from(achieved) * BP >= i128::from(self.threshold_bp) * i128::from(self.target)
    }

    /// Each band's pay at `achieved`, before threshold and cap; each rounded once.
    pub fn bands(&self, achieved: i64) -> Result<Vec<BandResult>, CompError> {
        if self.target <= 0 {
            return Err(CompError::Arithmetic("a measure target must be positive".to_owned()));
        }
        let target = i128::from(self.target);
        let scaled = i128::from(achieved.max(0)) * BP;
        let mut out = Vec::with_capacity(self.tiers.len());
        for (index, tier) in self.tiers.iter().enumerate() {
            let to_bp = self.tiers.get(index + 1).map(|t| t.from_bp);
            let low = i128::from(tier.from_bp) * target;
            let mut inside = (scaled - low).max(0);
            if let Some(to) = to_bp {
                inside = inside.min(i128::from(to - tier.from_bp) * target);
            }
            let numerator = i128::from(self.target_incentive) * i128::from(tier.rate_bp);
            let amount = narrow(mul_div(numerator, inside, BP * BP * target)?)?;
            out.push(BandResult {
                index,
                from_bp: tier.from_bp,
                to_bp,
                rate_bp: tier.rate_bp,
                achieved_in_band: narrow(div_round(inside, BP))?,
                amount,
            });
        }
        Ok(out)
    }

    pub fn cap_amount(&self) -> Result<Option<i64>, CompError> {
        self.cap_bp.map(|cap| narrow(mul_div(i128::from(self.target_incentive), i128::from(cap), BP)?)).transpose()
    }

    /// The measure's pay at `achieved`: zero below the threshold, else the sum of the rounded
    /// bands, no more than the cap.
    pub fn payout(&self, achieved: i64) -> Result<i64, CompError> {
        if !self.threshold_met(achieved) {
            return Ok(0);
        }
        let total = checked_sum(self.bands(achieved)?.into_iter().map(|b| b.amount))?;
        Ok(match self.cap_amount()? {
            Some(cap) => total.min(cap),
            None => total,
        })
    }

    /// Each credit's share of the payout, taking credits in the order given: the payout with
    /// it minus the payout without it. The shares add up to `payout(sum of credits)`.
    pub fn attribute(&self, credits: &[i64]) -> Result<Vec<i64>, CompError> {
        let mut shares = Vec::with_capacity(credits.len());
        let mut cumulative = 0i64;
        let mut before = self.payout(0)?;
        for credit in credits {
            cumulative = cumulative
                .checked_add(*credit)
                .ok_or_else(|| CompError::Arithmetic("credited total overflows".to_owned()))?;
            let after = self.payout(cumulative)?;
            shares.push(after - before);
            before = after;
        }
        Ok(shares)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn tiers() -> Vec<Tier> {
        vec![
            Tier { from_bp: 0, rate_bp: 10_000 },
            Tier { from_bp: 10_000, rate_bp: 15_000 },
            Tier { from_bp: 15_000, rate_bp: 5_000 },
        ]
    }

    fn curve(tiers: &[Tier], threshold_bp: i64, cap_bp: Option<i64>) -> Curve<'_> {
        // Target 1,000,000.00; target incentive 12,000.00.
        Curve { tiers, threshold_bp, cap_bp, target: 100_000_000, target_incentive: 1_200_000 }
    }

    #[test]
    fn tier_boundaries_are_exact() {
        let tiers = tiers();
        let c = curve(&tiers, 0, None);
        // Exactly at quota: band 1 full, nothing in band 2.
        assert_eq!(c.payout(100_000_000).unwrap(), 1_200_000);
        // One cent past quota enters the accelerator: 0.01 × 1.5 × 12,000 / 1,000,000 = 0.00018 → 0.
        assert_eq!(c.payout(100_000_001).unwrap(), 1_200_000);
        // 120%: 12,000 + 20% × 1.5 × 12,000 = 15,600.
        assert_eq!(c.payout(120_000_000).unwrap(), 1_560_000);
        // 150%: 12,000 + 50% × 1.5 × 12,000 = 21,000; 170%: + 20% × 0.5 × 12,000 = 22,200.
        assert_eq!(c.payout(150_000_000).unwrap(), 2_100_000);
        assert_eq!(c.payout(170_000_000).unwrap(), 2_220_000);
    }

    #[test]
    fn threshold_pays_from_zero_once_met() {
        let tiers = tiers();
        let c = curve(&tiers, 5_000, None);
        assert_eq!(c.payout(49_999_999).unwrap(), 0);
        assert_eq!(c.payout(50_000_000).unwrap(), 600_000);
    }

    #[test]
    fn cap_limits_the_measure() {
        let tiers = tiers();
        let c = curve(&tiers, 0, Some(15_000));
        assert_eq!(c.cap_amount().unwrap(), Some(1_800_000));
        assert_eq!(c.payout(120_000_000).unwrap(), 1_560_000);
        assert_eq!(c.payout(140_000_000).unwrap(), 1_800_000);
    }

    #[test]
    fn attribution_adds_up_and_follows_close_order() {
        let tiers = tiers();
        let c = curve(&tiers, 5_000, None);
        // 40% then 30% then 50%: the first deal earns nothing alone, the second crosses the
        // threshold and earns both, the third straddles quota.
        let shares = c.attribute(&[40_000_000, 30_000_000, 50_000_000]).unwrap();
        assert_eq!(shares, vec![0, 840_000, 720_000]);
        assert_eq!(shares.iter().sum::<i64>(), c.payout(120_000_000).unwrap());
    }
}
