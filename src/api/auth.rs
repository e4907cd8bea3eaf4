//! The access token and its single-flight refresh.
//!
//! All workers share one token. When a request is refused with 401, the first worker to
//! notice refreshes it (refresh tokens are one-time use and rotate, so two concurrent
//! refreshes would invalidate each other); the others wait for that refresh and retry with
//! the new token. A token's generation number tells whether a refresh already happened.

use std::sync::RwLock;

use tokio::sync::Mutex;

/// The credentials in use. Never printed: it has no `Debug` that shows the values.
pub struct Auth {
    current: RwLock<(u64, String)>,
    refresh_token: Mutex<Option<String>>,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Auth(<redacted>)")
    }
}

impl Auth {
    pub fn new(token: String, refresh_token: Option<String>) -> Auth {
        Auth {
            current: RwLock::new((0, token)),
            refresh_token: Mutex::new(refresh_token),
        }
    }

    /// The token to send and its generation.
    pub fn token(&self) -> (u64, String) {
        self.current.read().expect("auth lock").clone()
    }

    /// Runs `refresh` unless another worker already replaced generation `seen`. Returns
    /// false when no new token could be had.
    pub async fn refresh<F, Fut>(&self, seen: u64, refresh: F) -> bool
    where
        F: FnOnce(String) -> Fut,
        Fut: Future<Output = Option<(String, Option<String>)>>,
    {
        let mut refresh_token = self.refresh_token.lock().await;
        if self.token().0 != seen {
            return true;
        }
        let Some(rt) = refresh_token.clone() else {
            return false;
        };
        let Some((access, rotated)) = refresh(rt).await else {
            return false;
        };
        if let Some(rotated) = rotated {
            *refresh_token = Some(rotated);
        }
        *self.current.write().expect("auth lock") = (seen + 1, access);
        true
    }
}
