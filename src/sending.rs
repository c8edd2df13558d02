//! Sending email from a customer's own domain: checking the domain and mailbox she types,
//! the DNS records she publishes, how much her sequences may send in a day (a cap, and a
//! warm-up for a domain new to sending, so mailbox providers learn to trust it), and when her
//! complaints and bounces pause her email.

/// Sequence emails one contractor may send in 24 hours, whatever the domain.
pub const DAILY_CAP: i64 = 1000;
/// A newly verified domain's first day; each day after doubles it, up to [`DAILY_CAP`].
pub const WARM_UP_FIRST_DAY: i64 = 50;

/// How many sequence emails may go in 24 hours: from the platform's own domain (`None`), the
/// cap; from her own domain verified `days` whole days ago, 50, 100, 200, 400, 800, then the cap.
pub fn daily_email_limit(days_verified: Option<i64>) -> i64 {
    match days_verified {
        None => DAILY_CAP,
        Some(days) => (WARM_UP_FIRST_DAY << days.clamp(0, 10)).min(DAILY_CAP),
    }
}

/// Why a sender's email is paused, from her last 30 days: spam complaints above 0.3% of her
/// email (the line Gmail and Yahoo hold bulk senders to; three complaints at least), or hard
/// bounces above 5% once she has sent 100. Mailbox providers judge the whole platform's
/// addresses by these, so one sender's list cannot be allowed to sink everyone's mail.
pub fn reputation_pause(sent: i64, bounces: i64, complaints: i64) -> Option<&'static str> {
    if complaints >= 3 && complaints * 1000 > sent.max(1) * 3 {
        Some("too many people marked your emails as spam")
    } else if sent >= 100 && bounces * 20 > sent {
        Some("too many of your emails bounced: the addresses on your list do not work")
    } else {
        None
    }
}

/// A domain as she types it ("Roofco.com.", "https://www.roofco.com/"), lower-cased and
/// checked: letters, digits and hyphens in dot-separated labels, at least two of them.
pub fn parse_domain(raw: &str) -> Result<String, &'static str> {
    let mut domain = raw.trim().to_ascii_lowercase();
    for prefix in ["https://", "http://"] {
        if let Some(rest) = domain.strip_prefix(prefix) {
            domain = rest.to_owned();
        }
    }
    let domain = domain.split('/').next().unwrap_or_default().trim_end_matches('.');
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    let tld_ok = labels
        .last()
        .is_some_and(|t| t.bytes().any(|b| b.is_ascii_alphabetic()));
    if labels.len() < 2 || domain.len() > 253 || !labels.iter().all(label_ok) || !tld_ok {
        return Err("enter your domain, like roofco.com");
    }
    Ok(domain.to_owned())
}

/// The part of her address before the @ ("sam" of sam@roofco.com).
pub fn parse_local_part(raw: &str) -> Result<String, &'static str> {
    let local = raw.trim().to_ascii_lowercase();
    let ok = !local.is_empty()
        && local.len() <= 64
        && local.bytes().all(|b| b.is_ascii_alphanumeric() || b"._+-".contains(&b))
        && local.as_bytes()[0].is_ascii_alphanumeric();
    if ok {
        Ok(local)
    } else {
        Err("use letters, digits, dots or hyphens, like sam")
    }
}

/// One DNS record to publish, as a DNS provider's form asks for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsRecord {
    /// Always TXT here.
    pub kind: &'static str,
    pub name: String,
    pub value: String,
    /// Why: shown beside it.
    pub purpose: &'static str,
    /// Needed before mail goes from the domain (the others are advice).
    pub required: bool,
}

/// The records that let mail from `domain` through: the DKIM key (required: it proves the
/// mail is hers, and aligns DMARC), SPF naming the mail provider, and a DMARC policy.
pub fn dns_records(domain: &str, selector: &str, public_key: &str, spf_include: Option<&str>) -> Vec<DnsRecord> {
    let spf = match spf_include {
        Some(include) => format!("v=spf1 include:{include} ~all"),
        None => "v=spf1 ~all".to_owned(),
    };
    vec![
        DnsRecord {
            kind: "TXT",
            name: dkim_name(domain, selector),
            value: dkim_value(public_key),
            purpose: "DKIM: signs your mail so inboxes know it is yours",
            required: true,
        },
        DnsRecord {
            kind: "TXT",
            name: domain.to_owned(),
            value: spf,
            purpose: "SPF: names who may send for your domain (merge it into any SPF record you have)",
            required: false,
        },
        DnsRecord {
            kind: "TXT",
            name: format!("_dmarc.{domain}"),
            value: format!("v=DMARC1; p=none; rua=mailto:dmarc@{domain}"),
            purpose: "DMARC: tells inboxes what to do with mail that fails the checks",
            required: false,
        },
    ]
}

pub fn dkim_name(domain: &str, selector: &str) -> String {
    format!("{selector}._domainkey.{domain}")
}

pub fn dkim_value(public_key: &str) -> String {
    format!("v=DKIM1; k=rsa; p={public_key}")
}

/// Whether the TXT strings found at the DKIM name publish `public_key` (spaces, as some
/// providers insert when they split long records, are ignored).
pub fn publishes_key(found: &[String], public_key: &str) -> bool {
    found.iter().any(|txt| {
        let compact: String = txt.chars().filter(|c| !c.is_whitespace()).collect();
        compact.starts_with("v=DKIM1;") && compact.split(';').any(|tag| tag.strip_prefix("p=") == Some(public_key))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_domain_warms_up_doubling_daily_to_the_cap() {
        let limits: Vec<i64> = (0..7).map(|d| daily_email_limit(Some(d))).collect();
        assert_eq!(limits, [50, 100, 200, 400, 800, 1000, 1000]);
        assert_eq!(daily_email_limit(None), DAILY_CAP);
        assert_eq!(daily_email_limit(Some(-3)), 50, "a clock behind the verification");
        assert_eq!(daily_email_limit(Some(i64::MAX)), DAILY_CAP);
    }

    #[test]
    fn a_sender_is_paused_for_complaints_or_bounces_not_for_a_bad_day() {
        assert_eq!(reputation_pause(0, 0, 0), None);
        assert_eq!(reputation_pause(50, 2, 2), None, "two complaints are not yet a pattern");
        assert!(reputation_pause(50, 0, 3).is_some_and(|why| why.contains("spam")));
        // 0.3%: 3 of 1,000 is the line, 4 of 1,000 over it.
        assert_eq!(reputation_pause(1000, 0, 3), None);
        assert!(reputation_pause(1000, 0, 4).is_some());
        // Bounces count from 100 sent: 5% is the line.
        assert_eq!(reputation_pause(99, 20, 0), None);
        assert_eq!(reputation_pause(100, 5, 0), None);
        assert!(reputation_pause(100, 6, 0).is_some_and(|why| why.contains("bounced")));
    }

    #[test]
    fn domains_and_mailboxes_are_read_as_typed_and_checked() {
        assert_eq!(
            parse_domain(" https://www.Roofco.com/contact ").as_deref(),
            Ok("www.roofco.com")
        );
        assert_eq!(parse_domain("roofco.com.").as_deref(), Ok("roofco.com"));
        for bad in [
            "roofco",
            "-roofco.com",
            "roof co.com",
            "roofco.123",
            "",
            "a..com",
            "sam@roofco.com",
        ] {
            assert!(parse_domain(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_local_part(" Sam.Ortiz ").as_deref(), Ok("sam.ortiz"));
        for bad in ["", ".sam", "sam smith", "sam@x", "s\"am"] {
            assert!(parse_local_part(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_dkim_record_must_publish_this_very_key() {
        let records = dns_records("roofco.com", "fm1", "MIIBIjAN", Some("spf.mtasv.net"));
        assert_eq!(records[0].name, "fm1._domainkey.roofco.com");
        assert_eq!(records[0].value, "v=DKIM1; k=rsa; p=MIIBIjAN");
        assert!(records[0].required && !records[1].required);
        assert_eq!(records[1].value, "v=spf1 include:spf.mtasv.net ~all");
        assert_eq!(records[2].name, "_dmarc.roofco.com");
        assert!(publishes_key(&["v=DKIM1; k=rsa; p=MIIB IjAN".into()], "MIIBIjAN"));
        assert!(!publishes_key(&["v=DKIM1; k=rsa; p=MIIBIjAX".into()], "MIIBIjAN"));
        assert!(!publishes_key(&["v=spf1 p=MIIBIjAN".into()], "MIIBIjAN"));
        assert!(!publishes_key(&[], "MIIBIjAN"));
    }
}
