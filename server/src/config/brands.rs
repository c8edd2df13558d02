//! The brands section: the host name each product answers as itself. Both are optional:
//! without them one host serves everything and the path decides (`/mum…` is SasaMum's,
//! `/pro…` Fish Mouth's, the rest the platform's).

use super::reader::Reader;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BrandSettings {
    /// `SASAMUM_HOST`, e.g. `sasamum.example`: every page on it is SasaMum's.
    pub sasamum_host: Option<String>,
    /// `FISHMOUTH_HOST`, e.g. `fishmouth.example`: every page on it is Fish Mouth's.
    pub fishmouth_host: Option<String>,
}

impl BrandSettings {
    pub fn read(env: &mut Reader) -> Option<Self> {
        let sasamum_host = read_host(env, "SASAMUM_HOST");
        let fishmouth_host = read_host(env, "FISHMOUTH_HOST");
        if sasamum_host.is_some() && sasamum_host == fishmouth_host {
            env.fail(
                "FISHMOUTH_HOST",
                "is SASAMUM_HOST too: each product needs its own host (or leave both unset)".into(),
            );
            return None;
        }
        Some(Self {
            sasamum_host,
            fishmouth_host,
        })
    }
}

/// A bare host name, lower case: no scheme, port or path.
fn read_host(env: &mut Reader, variable: &'static str) -> Option<String> {
    let raw = env.get(variable)?;
    let host = raw.trim().to_ascii_lowercase();
    let valid = !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty() && label.len() <= 63 && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    if valid {
        Some(host)
    } else {
        env.fail(
            variable,
            format!("{raw:?} is not a host name: give the name alone, e.g. app.example.com (no scheme, port or path)"),
        );
        None
    }
}
