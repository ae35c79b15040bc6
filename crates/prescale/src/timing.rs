//! Wall-clock timing of whole commands and of fit+forecast calls, for the speed figures shown
//! to users. The only wall-clock reads in prescale outside a `Clock` implementation.

/// A running stopwatch.
pub struct Stopwatch(std::time::Instant);

impl Stopwatch {
    #[allow(clippy::disallowed_methods)]
    pub fn start() -> Self {
        Self(std::time::Instant::now())
    }

    /// Seconds since `start`.
    pub fn seconds(&self) -> f64 {
        self.0.elapsed().as_secs_f64()
    }
}
