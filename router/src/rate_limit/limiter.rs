//! Request rate limits: GCRA (the generic cell rate algorithm, a token bucket kept as one
//! timestamp per bucket) evaluated atomically in Redis, so every router instance shares one
//! budget per bucket; a local limiter of the same shape answers while Redis is away.
//!
//! One request is checked against several buckets at once (its credential's and its
//! account's, for example); it passes only if every bucket has room, and only then is each
//! bucket charged, so refused requests cost nothing.

use mediamagic_kit::redis_link::RedisLink;
use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

/// Longest a rate-limit decision may wait for Redis before the local limiter answers.
const REDIS_DECISION_TIMEOUT: Duration = Duration::from_millis(250);
/// Local buckets kept before full ones are swept.
const LOCAL_BUCKETS_SWEPT_AT: usize = 100_000;

/// One budget: `per_minute` requests on average, at most `burst` at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate {
    /// Sustained requests per minute.
    pub per_minute: u32,
    /// Requests allowed at once after a quiet spell.
    pub burst: u32,
}

impl Rate {
    /// Microseconds between requests at the sustained rate.
    fn interval_us(self) -> i64 {
        60_000_000 / i64::from(self.per_minute.max(1))
    }
    /// How far ahead of now a bucket's theoretical arrival time may run.
    fn tolerance_us(self) -> i64 {
        self.interval_us() * i64::from(self.burst.max(1))
    }
}

/// A bucket a request is charged to: its Redis key and its rate.
#[derive(Clone, Debug)]
pub struct Bucket {
    /// Stable name (`mm:rl:<budget>:<who>:<rate>`).
    pub key: String,
    /// Its budget.
    pub rate: Rate,
}

/// The answer for one request: allowed or not, and what the tightest bucket has left (for
/// the `RateLimit-*` headers).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision {
    /// Whether the request may go on.
    pub allowed: bool,
    /// Burst size of the tightest bucket.
    pub limit: u32,
    /// Requests the tightest bucket still takes at once.
    pub remaining: u32,
    /// Seconds until the tightest bucket is full again.
    pub reset_seconds: u64,
    /// When refused: seconds until the request would pass.
    pub retry_after_seconds: u64,
    /// Whether the local limiter decided (Redis unreachable).
    pub local: bool,
}

/// Checks every bucket and charges them all when each has room. KEYS are the buckets;
/// ARGV holds, per bucket, its interval and tolerance in microseconds. Time comes from the
/// Redis server so that router clocks do not matter. Returns
/// `{allowed, limit index, remaining, reset µs, retry-after µs}`.
const GCRA_SCRIPT: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tats = {}
local tightest, tightest_remaining, tightest_reset, retry = 1, nil, 0, 0
local allowed = 1
for i, key in ipairs(KEYS) do
  local interval = tonumber(ARGV[2 * i - 1])
  local tolerance = tonumber(ARGV[2 * i])
  local tat = tonumber(redis.call('GET', key) or now)
  if tat < now then tat = now end
  local new_tat = tat + interval
  local allow_at = new_tat - tolerance
  local remaining
  if now < allow_at then
    allowed = 0
    if allow_at - now > retry then retry = allow_at - now end
    remaining = 0
  else
    remaining = math.floor((now - allow_at) / interval)
  end
  tats[i] = new_tat
  if tightest_remaining == nil or remaining < tightest_remaining then
    tightest, tightest_remaining, tightest_reset = i, remaining, new_tat - now
  end
end
if allowed == 1 then
  for i, key in ipairs(KEYS) do
    redis.call('SET', key, tats[i], 'PX', math.ceil((tats[i] - now) / 1000) + 1)
  end
end
return {allowed, tightest, tightest_remaining or 0, tightest_reset, retry}
";

/// The rate limiter shared by all router workers.
pub struct Limiter {
    redis: RedisLink,
    /// SHA-1 of [`GCRA_SCRIPT`]: requests send it (EVALSHA) rather than the script.
    script_sha: String,
    /// Local buckets: key → theoretical arrival time, µs since `epoch`.
    local: Mutex<HashMap<String, i64>>,
    epoch: Instant,
}

impl Limiter {
    /// A limiter keeping its buckets in the Redis at `redis_url`.
    pub fn new(redis_url: String) -> Self {
        use sha1::Digest;
        Self {
            redis: RedisLink::new(redis_url),
            script_sha: hex::encode(sha1::Sha1::digest(GCRA_SCRIPT.as_bytes())),
            local: Mutex::new(HashMap::new()),
            epoch: Instant::now(),
        }
    }

    /// Checks `buckets` (and charges them when all have room). Falls back to the local
    /// limiter, logged and counted, when Redis does not answer within a quarter second.
    pub async fn check(&self, buckets: &[Bucket]) -> Decision {
        if buckets.is_empty() {
            return Decision {
                allowed: true,
                limit: 0,
                remaining: 0,
                reset_seconds: 0,
                retry_after_seconds: 0,
                local: false,
            };
        }
        match self.check_in_redis(buckets).await {
            Ok(decision) => decision,
            Err(e) => {
                tracing::debug!(error = %e, "rate limits decided locally: Redis unavailable");
                self.check_locally(buckets)
            }
        }
    }

    async fn check_in_redis(&self, buckets: &[Bucket]) -> Result<Decision, String> {
        let mut redis = self.redis.connection().await.map_err(|e| e.to_string())?;
        let command = |name: &str, script: &str| {
            let mut command = redis::cmd(name);
            command.arg(script).arg(buckets.len());
            for bucket in buckets {
                command.arg(&bucket.key);
            }
            for bucket in buckets {
                command
                    .arg(bucket.rate.interval_us())
                    .arg(bucket.rate.tolerance_us());
            }
            command
        };
        let decide = async {
            match command("EVALSHA", &self.script_sha)
                .query_async::<Vec<i64>>(&mut redis)
                .await
            {
                // A Redis that does not know the script yet (restarted, flushed) gets it.
                Err(e) if e.kind() == redis::ErrorKind::NoScriptError => {
                    command("EVAL", GCRA_SCRIPT).query_async(&mut redis).await
                }
                other => other,
            }
        };
        let answer: Vec<i64> = match tokio::time::timeout(REDIS_DECISION_TIMEOUT, decide).await {
            Ok(Ok(answer)) => {
                self.redis.succeeded();
                answer
            }
            Ok(Err(e)) => return Err(self.redis.failed(&e).to_string()),
            Err(_) => return Err(self.redis.failed(&"no answer in 250 ms").to_string()),
        };
        let [allowed, tightest, remaining, reset_us, retry_us] = answer[..] else {
            return Err(format!("unexpected rate-limit answer {answer:?}"));
        };
        let index = usize::try_from(tightest - 1)
            .unwrap_or(0)
            .min(buckets.len() - 1);
        Ok(decision(
            allowed == 1,
            buckets[index].rate,
            remaining,
            reset_us,
            retry_us,
            false,
        ))
    }

    /// The same algorithm in this process (per router instance while Redis is away).
    fn check_locally(&self, buckets: &[Bucket]) -> Decision {
        let now = i64::try_from(self.epoch.elapsed().as_micros()).unwrap_or(i64::MAX);
        let mut local = self.local.lock().unwrap_or_else(|e| e.into_inner());
        if local.len() > LOCAL_BUCKETS_SWEPT_AT {
            local.retain(|_, tat| *tat > now);
        }
        let mut allowed = true;
        let mut retry = 0;
        let mut tightest: Option<(Rate, i64, i64)> = None;
        let mut tats = Vec::with_capacity(buckets.len());
        for bucket in buckets {
            let interval = bucket.rate.interval_us();
            let tat = local.get(&bucket.key).copied().unwrap_or(now).max(now);
            let new_tat = tat + interval;
            let allow_at = new_tat - bucket.rate.tolerance_us();
            let remaining = if now < allow_at {
                allowed = false;
                retry = retry.max(allow_at - now);
                0
            } else {
                (now - allow_at) / interval
            };
            tats.push(new_tat);
            if tightest.is_none_or(|(_, r, _)| remaining < r) {
                tightest = Some((bucket.rate, remaining, new_tat - now));
            }
        }
        if allowed {
            for (bucket, tat) in buckets.iter().zip(tats) {
                local.insert(bucket.key.clone(), tat);
            }
        }
        let (rate, remaining, reset) = tightest.unwrap_or((buckets[0].rate, 0, 0));
        decision(allowed, rate, remaining, reset, retry, true)
    }
}

fn decision(
    allowed: bool,
    rate: Rate,
    remaining: i64,
    reset_us: i64,
    retry_us: i64,
    local: bool,
) -> Decision {
    let seconds = |us: i64| u64::try_from(us.max(0)).unwrap_or(0).div_ceil(1_000_000);
    Decision {
        allowed,
        limit: rate.burst,
        remaining: u32::try_from(remaining.max(0)).unwrap_or(u32::MAX),
        reset_seconds: seconds(reset_us),
        retry_after_seconds: if allowed { 0 } else { seconds(retry_us).max(1) },
        local,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bucket(key: &str, per_minute: u32, burst: u32) -> Bucket {
        Bucket {
            key: key.into(),
            rate: Rate { per_minute, burst },
        }
    }

    #[test]
    fn the_local_limiter_takes_a_burst_then_refuses_with_a_retry_time() {
        let limiter = Limiter::new("redis://127.0.0.1:1".into());
        let buckets = [bucket("a", 60, 3)];
        let passed: Vec<bool> = (0..4)
            .map(|_| limiter.check_locally(&buckets).allowed)
            .collect();
        assert_eq!(passed, [true, true, true, false]);
        let refused = limiter.check_locally(&buckets);
        assert_eq!(refused.remaining, 0);
        assert_eq!(refused.retry_after_seconds, 1);
        assert!(refused.local);
    }

    #[test]
    fn a_refused_request_charges_no_bucket() {
        let limiter = Limiter::new("redis://127.0.0.1:1".into());
        let wide = bucket("wide", 60, 10);
        let narrow = bucket("narrow", 60, 1);
        assert!(
            limiter
                .check_locally(&[wide.clone(), narrow.clone()])
                .allowed
        );
        for _ in 0..5 {
            assert!(
                !limiter
                    .check_locally(&[wide.clone(), narrow.clone()])
                    .allowed
            );
        }
        // The wide bucket was charged once only: nine left of ten.
        assert_eq!(limiter.check_locally(&[wide]).remaining, 8);
    }

    #[test]
    fn the_tightest_bucket_names_the_headers() {
        let limiter = Limiter::new("redis://127.0.0.1:1".into());
        let decision = limiter.check_locally(&[bucket("x", 600, 100), bucket("y", 60, 5)]);
        assert_eq!((decision.limit, decision.remaining), (5, 4));
    }
}
