//! Request-body validation with FastAPI-shaped 422s: a JSON-object extractor and a field
//! reader that collects every problem (`{loc: ["body", field], msg, type}`) before failing.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use serde_json::{Map, Value};

use crate::error::{ApiError, ApiResult, violation};

/// A request body that must be a JSON object.
pub(crate) struct JsonObject(pub(crate) Map<String, Value>);

impl<S: Send + Sync> FromRequest<S> for JsonObject {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| ApiError::invalid(&["body"], e.body_text(), "value_error"))?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(ApiError::invalid(&["body"], "Field required", "missing"));
        }
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Object(map)) => Ok(JsonObject(map)),
            Ok(_) => Err(ApiError::invalid(
                &["body"],
                "Input should be a valid dictionary or object",
                "model_attributes_type",
            )),
            Err(e) => Err(ApiError::invalid(
                &["body"],
                format!("JSON decode error: {e}"),
                "json_invalid",
            )),
        }
    }
}

/// Reads typed fields out of a JSON object, remembering every failure.
pub(crate) struct Fields<'a> {
    map: &'a Map<String, Value>,
    errors: Vec<Value>,
}

impl<'a> Fields<'a> {
    /// Starts reading `map`.
    pub(crate) fn new(map: &'a Map<String, Value>) -> Self {
        Fields {
            map,
            errors: Vec::new(),
        }
    }

    /// Records a failure for `key`.
    pub(crate) fn error(&mut self, key: &str, msg: &str, kind: &str) {
        self.errors.push(violation(&["body", key], msg, kind));
    }

    /// Whether `key` is present (even as `null`).
    pub(crate) fn has(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    fn present(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    /// A required string (`""` after a failure).
    pub(crate) fn req_str(&mut self, key: &str) -> String {
        if self.present(key).is_none() {
            self.error(key, "Field required", "missing");
            return String::new();
        }
        self.opt_str(key).unwrap_or_default()
    }

    /// An optional string; `null` counts as absent.
    pub(crate) fn opt_str(&mut self, key: &str) -> Option<String> {
        match self.present(key)? {
            Value::String(s) => Some(s.clone()),
            _ => {
                self.error(key, "Input should be a valid string", "string_type");
                None
            }
        }
    }

    /// A required non-negative integer.
    pub(crate) fn req_u64(&mut self, key: &str) -> u64 {
        if self.present(key).is_none() {
            self.error(key, "Field required", "missing");
            return 0;
        }
        self.opt_u64(key).unwrap_or_default()
    }

    /// An optional non-negative integer.
    pub(crate) fn opt_u64(&mut self, key: &str) -> Option<u64> {
        let value = self.present(key)?;
        match value.as_u64() {
            Some(n) => Some(n),
            None if value.as_i64().is_some() => {
                self.error(
                    key,
                    "Input should be greater than or equal to 0",
                    "greater_than_equal",
                );
                None
            }
            None => {
                self.error(key, "Input should be a valid integer", "int_type");
                None
            }
        }
    }

    /// An optional boolean.
    pub(crate) fn opt_bool(&mut self, key: &str) -> Option<bool> {
        match self.present(key)? {
            Value::Bool(b) => Some(*b),
            _ => {
                self.error(key, "Input should be a valid boolean", "bool_type");
                None
            }
        }
    }

    /// An optional list of strings.
    pub(crate) fn opt_str_list(&mut self, key: &str) -> Option<Vec<String>> {
        let value = self.present(key)?;
        let list = value.as_array().and_then(|items| {
            items
                .iter()
                .map(|v| v.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
        });
        if list.is_none() {
            self.error(key, "Input should be a valid list of strings", "list_type");
        }
        list
    }

    /// 422 listing every failure, if any.
    pub(crate) fn finish(self) -> ApiResult<()> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::validation("VALIDATION_ERROR", self.errors))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let body = json!({ "name": 5, "size": -1 });
        let mut f = Fields::new(body.as_object().unwrap());
        assert_eq!(f.req_str("share_id"), "");
        assert_eq!(f.req_str("name"), "");
        assert_eq!(f.opt_u64("size"), None);
        let err = f.finish().unwrap_err();
        assert_eq!(err.violations.len(), 3);
        assert_eq!(err.violations[0]["loc"], json!(["body", "share_id"]));
        assert_eq!(err.violations[0]["type"], "missing");
    }
}
