//! Mail from a customer's own domain: its DKIM key pair (RSA 2048, the kind every mailbox
//! provider checks), and reading the domain's DNS to see the key published. The outbox worker
//! signs with the key (server/src/workers/outbox.rs); the rules are `domain::fishmouth::sending`.
#![cfg(feature = "ssr")]

use std::{future::Future, net::SocketAddr, pin::Pin};

use base64::Engine as _;

pub struct DkimKeyPair {
    /// PKCS#1 PEM, sealed before it is stored.
    pub private_pem: String,
    /// The public key as DKIM's `p=` carries it: base64 of its SubjectPublicKeyInfo.
    pub public_key: String,
}

/// A fresh key pair. Slow (a prime search): call it off the async threads.
pub fn generate_dkim_key() -> Result<DkimKeyPair, String> {
    use rsa::pkcs1::{EncodeRsaPrivateKey, LineEnding};
    use rsa::pkcs8::EncodePublicKey;
    let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).map_err(|e| e.to_string())?;
    let private_pem = key.to_pkcs1_pem(LineEnding::LF).map_err(|e| e.to_string())?.to_string();
    let public = rsa::RsaPublicKey::from(&key)
        .to_public_key_der()
        .map_err(|e| e.to_string())?;
    Ok(DkimKeyPair {
        private_pem,
        public_key: base64::engine::general_purpose::STANDARD.encode(public.as_bytes()),
    })
}

pub type DnsFuture<'a> = Pin<Box<dyn Future<Output = Result<Vec<String>, String>> + Send + 'a>>;

/// TXT records by name: each record's strings joined, as DKIM and SPF read them. A name with
/// no TXT record is an empty list; Err is a lookup that failed.
pub trait DnsTxt: Send + Sync {
    fn txt<'a>(&'a self, name: &'a str) -> DnsFuture<'a>;
}

/// A DNS resolver: the system's (`/etc/resolv.conf`), or one nameserver named by address.
/// Nothing is cached: she checks again right after publishing a record.
pub struct Resolver(hickory_resolver::TokioResolver);

impl Resolver {
    pub fn new(nameserver: Option<SocketAddr>) -> Result<Self, String> {
        use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolverConfig, ResolverOpts};
        use hickory_resolver::net::runtime::TokioRuntimeProvider;
        let mut options = ResolverOpts::default();
        options.cache_size = 0;
        options.timeout = std::time::Duration::from_secs(5);
        let builder = match nameserver {
            Some(addr) => {
                let mut udp = ConnectionConfig::udp();
                udp.port = addr.port();
                let config =
                    ResolverConfig::from_parts(None, vec![], vec![NameServerConfig::new(addr.ip(), true, vec![udp])]);
                hickory_resolver::TokioResolver::builder_with_config(config, TokioRuntimeProvider::default())
            }
            None => hickory_resolver::TokioResolver::builder_tokio().map_err(|e| e.to_string())?,
        };
        builder
            .with_options(options)
            .build()
            .map(Self)
            .map_err(|e| e.to_string())
    }
}

/// No resolver could be set up (no /etc/resolv.conf): every lookup fails, saying why.
pub struct NoResolver(pub String);

impl DnsTxt for NoResolver {
    fn txt<'a>(&'a self, _name: &'a str) -> DnsFuture<'a> {
        Box::pin(async move { Err(format!("no DNS resolver: {}", self.0)) })
    }
}

impl DnsTxt for Resolver {
    fn txt<'a>(&'a self, name: &'a str) -> DnsFuture<'a> {
        Box::pin(async move {
            // A trailing dot: the name is absolute, never tried under a search domain.
            match self.0.txt_lookup(format!("{}.", name.trim_end_matches('.'))).await {
                Ok(lookup) => Ok(lookup
                    .answers()
                    .iter()
                    .filter_map(|record| match &record.data {
                        hickory_resolver::proto::rr::RData::TXT(txt) => Some(
                            txt.txt_data
                                .iter()
                                .map(|part| String::from_utf8_lossy(part).into_owned())
                                .collect::<String>(),
                        ),
                        _ => None,
                    })
                    .collect()),
                Err(e) if e.is_no_records_found() || e.is_nx_domain() => Ok(Vec::new()),
                Err(e) => Err(e.to_string()),
            }
        })
    }
}

/// Her sending domain as her page shows it.
#[derive(Debug, Clone)]
pub struct DomainStatus {
    pub domain: String,
    /// The address mail goes from: `local_part@domain`.
    pub address: String,
    pub records: Vec<domain::sending::DnsRecord>,
    /// When DNS first showed her key: mail goes from the domain from then on.
    pub verified_at: Option<time::OffsetDateTime>,
    pub checked_at: Option<time::OffsetDateTime>,
    pub problem: Option<String>,
}

/// Her domain, with the records to publish (`spf_include`: the mail provider's SPF domain).
pub async fn status(
    pool: &sqlx::PgPool,
    user_id: uuid::Uuid,
    spf_include: Option<&str>,
) -> Result<Option<DomainStatus>, sqlx::Error> {
    Ok(super::store::sending_domain(pool, user_id)
        .await?
        .map(|d| DomainStatus {
            address: format!("{}@{}", d.local_part, d.domain),
            records: domain::sending::dns_records(&d.domain, &d.selector, &d.public_key, spf_include),
            domain: d.domain,
            verified_at: d.verified_at,
            checked_at: d.checked_at,
            problem: d.check_problem,
        }))
}

/// Sets her sending address. A new domain gets a new key pair (and must be verified again);
/// the same domain keeps its key and only the mailbox changes.
pub async fn set_address(
    pool: &sqlx::PgPool,
    key: &super::crypto::HealthKey,
    user_id: uuid::Uuid,
    domain_name: &str,
    local_part: &str,
) -> Result<(), crate::error::AppError> {
    let current = super::store::sending_domain(pool, user_id).await?;
    if current.as_ref().is_some_and(|d| d.domain == domain_name) {
        super::store::set_local_part(pool, user_id, local_part).await?;
        return Ok(());
    }
    let pair = tokio::task::spawn_blocking(generate_dkim_key)
        .await
        .map_err(|e| anyhow::anyhow!("generating a DKIM key: {e}"))?
        .map_err(|e| anyhow::anyhow!("generating a DKIM key: {e}"))?;
    let id = uuid::Uuid::new_v4();
    // Her own selector: two accounts trying one domain never read each other's record.
    let selector = format!("fm{}", &id.simple().to_string()[..10]);
    let sealed = key.seal(super::crypto::Place::new("sending_domains", id), &pair.private_pem);
    super::store::put_sending_domain(
        pool,
        id,
        user_id,
        domain_name,
        local_part,
        &selector,
        &sealed,
        &pair.public_key,
    )
    .await?;
    Ok(())
}

/// Looks her DKIM record up and records what it found: verified, or what is wrong, in words.
pub async fn check(pool: &sqlx::PgPool, dns: &dyn DnsTxt, user_id: uuid::Uuid) -> Result<(), crate::error::AppError> {
    use domain::sending::{dkim_name, publishes_key};
    let Some(d) = super::store::sending_domain(pool, user_id).await? else {
        return Err(crate::error::AppError::NotFound);
    };
    let name = dkim_name(&d.domain, &d.selector);
    let problem = match dns.txt(&name).await {
        Ok(found) if publishes_key(&found, &d.public_key) => None,
        Ok(found) if found.is_empty() => Some(format!("no TXT record at {name} yet (DNS changes can take an hour)")),
        Ok(_) => Some(format!(
            "the TXT record at {name} does not hold this key: copy the value again"
        )),
        Err(e) => Some(format!("the DNS lookup failed ({e}): try again in a minute")),
    };
    if !super::store::record_domain_check(pool, user_id, problem.as_deref()).await? {
        return Err(crate::error::AppError::field(
            "domain",
            "another account already sends from this domain",
        ));
    }
    Ok(())
}

pub async fn remove(pool: &sqlx::PgPool, user_id: uuid::Uuid) -> Result<bool, sqlx::Error> {
    super::store::remove_sending_domain(pool, user_id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_pair_is_rsa_2048_with_its_public_half_as_dkim_publishes_it() {
        let pair = generate_dkim_key().expect("key");
        assert!(pair.private_pem.starts_with("-----BEGIN RSA PRIVATE KEY-----"));
        let der = base64::engine::general_purpose::STANDARD
            .decode(&pair.public_key)
            .expect("base64");
        // SubjectPublicKeyInfo of a 2048-bit key: 294 bytes.
        assert_eq!(der.len(), 294);
        assert_ne!(generate_dkim_key().expect("key").public_key, pair.public_key);
    }
}
