//! The contraction timer's "time to go" hint: the 5-1-1 rule.

/// One timed contraction, in seconds since any fixed moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Contraction {
    pub start: i64,
    pub end: i64,
}

impl Contraction {
    pub fn duration_secs(self) -> i64 {
        self.end - self.start
    }
}

/// Seconds from the start of each contraction to the start of the next.
pub fn intervals(contractions: &[Contraction]) -> Vec<i64> {
    contractions.windows(2).map(|w| w[1].start - w[0].start).collect()
}

/// 5-1-1: contractions 5 minutes apart or closer, each lasting a minute or more, for an
/// hour. `contractions` are in time order; the run counted ends with the latest one.
pub fn time_to_go(contractions: &[Contraction]) -> bool {
    let Some(last) = contractions.last() else {
        return false;
    };
    if last.duration_secs() < 60 {
        return false;
    }
    let mut first = *last;
    for pair in contractions.windows(2).rev() {
        let (earlier, later) = (pair[0], pair[1]);
        if later.start - earlier.start > 5 * 60 || earlier.duration_secs() < 60 {
            break;
        }
        first = earlier;
    }
    last.end - first.start >= 60 * 60
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `count` contractions every `every` seconds, each lasting `lasting` seconds.
    fn series(count: i64, every: i64, lasting: i64) -> Vec<Contraction> {
        (0..count)
            .map(|i| Contraction {
                start: i * every,
                end: i * every + lasting,
            })
            .collect()
    }

    #[test]
    fn an_hour_of_five_one_contractions_means_go() {
        assert!(time_to_go(&series(13, 300, 60)));
        assert_eq!(intervals(&series(3, 300, 60)), [300, 300]);
    }

    #[test]
    fn less_than_an_hour_or_further_apart_or_shorter_is_not_yet() {
        assert!(!time_to_go(&series(11, 300, 60)), "55 minutes");
        assert!(!time_to_go(&series(13, 360, 70)), "six minutes apart");
        assert!(!time_to_go(&series(13, 300, 45)), "45 seconds long");
        assert!(!time_to_go(&[]));
    }

    #[test]
    fn only_the_latest_unbroken_run_counts() {
        let mut contractions = series(13, 300, 60);
        // A 20-minute gap, then a short run: the earlier hour no longer counts.
        let restart = contractions.last().expect("some").start + 1200;
        contractions.extend((0..3).map(|i| Contraction {
            start: restart + i * 300,
            end: restart + i * 300 + 60,
        }));
        assert!(!time_to_go(&contractions));
    }
}
