//! Validated text inputs. Each type can only hold a value that passed its rules,
//! so code that receives one never re-checks it.
//!
//! Every text is trimmed of leading and trailing Unicode whitespace first;
//! lengths count characters (not bytes) after trimming.

use crate::InputError;

/// The longest e-mail address accepted, in characters (RFC 5321's path limit).
pub const EMAIL_MAX_CHARS: usize = 254;
/// The longest local part (before the `@`) accepted, in characters.
pub const EMAIL_LOCAL_MAX_CHARS: usize = 64;
/// The longest full name or product name accepted, in characters.
pub const NAME_MAX_CHARS: usize = 255;

/// A syntactically valid e-mail address, trimmed, with its case as given.
///
/// ```
/// use oms_domain::Email;
///
/// let email = Email::parse("  Ada.Lovelace@Example.com ").unwrap();
/// assert_eq!(email.as_str(), "Ada.Lovelace@Example.com");
/// assert!(Email::parse("not-an-address").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// Trims and checks `text`.
    pub fn parse(text: &str) -> Result<Self, InputError> {
        let email = text.trim();
        let invalid =
            |why: &str| InputError::rule(format!("must be a valid e-mail address: {why}"));
        if email.is_empty() {
            return Err(invalid("it is empty"));
        }
        if email.chars().count() > EMAIL_MAX_CHARS {
            return Err(invalid("it is longer than 254 characters"));
        }
        let Some((local, domain)) = email.rsplit_once('@') else {
            return Err(invalid("it has no '@'"));
        };
        if !valid_local_part(local) {
            return Err(invalid("the part before '@' is not a valid mailbox name"));
        }
        if !valid_domain(domain) {
            return Err(invalid("the part after '@' is not a valid domain name"));
        }
        Ok(Self(email.to_owned()))
    }

    /// The address as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Takes the address out.
    pub fn into_inner(self) -> String {
        self.0
    }
}

fn valid_local_part(local: &str) -> bool {
    let atext = |c: char| {
        c.is_ascii_alphanumeric()
            || "!#$%&'*+/=?^_`{|}~-".contains(c)
            || (!c.is_ascii() && c.is_alphanumeric())
    };
    !local.is_empty()
        && local.chars().count() <= EMAIL_LOCAL_MAX_CHARS
        && local
            .split('.')
            .all(|atom| !atom.is_empty() && atom.chars().all(atext))
}

fn valid_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.chars().count() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c == '-' || c.is_alphanumeric())
        })
        && labels
            .last()
            .is_some_and(|tld| !tld.chars().all(|c| c.is_ascii_digit()))
}

fn parse_name(text: &str) -> Result<String, InputError> {
    let name = text.trim();
    let chars = name.chars().count();
    if chars == 0 {
        return Err(InputError::rule("must not be empty"));
    }
    if chars > NAME_MAX_CHARS {
        return Err(InputError::rule(format!(
            "must be at most {NAME_MAX_CHARS} characters (got {chars})"
        )));
    }
    refuse_control_characters(name)?;
    Ok(name.to_owned())
}

/// Refuses text with control characters: invisible in every listing, and NUL
/// cannot be stored in a PostgreSQL text at all.
pub fn refuse_control_characters(text: &str) -> Result<(), InputError> {
    if text.chars().any(char::is_control) {
        return Err(InputError::rule("must not contain control characters"));
    }
    Ok(())
}

macro_rules! name_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            /// Trims and checks `text` (1–255 characters, no control characters).
            pub fn parse(text: &str) -> Result<Self, InputError> {
                parse_name(text).map(Self)
            }

            /// The name as stored.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// Takes the name out.
            pub fn into_inner(self) -> String {
                self.0
            }
        }
    };
}

name_type!(
    /// A user's full name: 1–255 characters after trimming.
    ///
    /// ```
    /// use oms_domain::FullName;
    ///
    /// assert_eq!(FullName::parse(" Ada ").unwrap().as_str(), "Ada");
    /// assert!(FullName::parse("   ").is_err());
    /// ```
    FullName
);

name_type!(
    /// A product's name: 1–255 characters after trimming.
    ///
    /// ```
    /// use oms_domain::ProductName;
    ///
    /// assert_eq!(ProductName::parse("Mug").unwrap().as_str(), "Mug");
    /// assert!(ProductName::parse(&"x".repeat(256)).is_err());
    /// ```
    ProductName
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_common_addresses_and_keeps_their_case() {
        for ok in [
            "a@b.co",
            "John.Doe@Example.COM",
            "first+tag@sub.domain.org",
            "o'hara@example.ie",
            "user@xn--bcher-kva.example",
            "jörg@bücher.de",
        ] {
            assert_eq!(Email::parse(ok).unwrap().as_str(), ok);
        }
    }

    #[test]
    fn rejects_malformed_addresses() {
        for bad in [
            "",
            "   ",
            "plain",
            "@example.com",
            "user@",
            "user@localhost",
            "user@@example.com",
            "us er@example.com",
            "user@exa mple.com",
            ".user@example.com",
            "user.@example.com",
            "us..er@example.com",
            "user@-example.com",
            "user@example-.com",
            "user@example..com",
            "user@example.123",
            "user\u{0}@example.com",
        ] {
            let err = Email::parse(bad).unwrap_err();
            assert!(
                err.message.starts_with("must be a valid e-mail address"),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn bounds_email_length_in_characters() {
        let domain = "@example.com";
        let local = "a".repeat(64);
        let labels = format!("{}.", "b".repeat(60)).repeat(3);
        let longest = format!("{local}@{labels}{}", "c".repeat(254 - 64 - 1 - 183));
        assert_eq!(longest.chars().count(), 254);
        assert!(Email::parse(&longest).is_ok());
        assert!(Email::parse(&format!("x{longest}")).is_err());
        assert!(Email::parse(&format!("{}{domain}", "a".repeat(65))).is_err());
    }

    #[test]
    fn names_are_trimmed_and_counted_in_characters() {
        assert_eq!(FullName::parse("\u{2003}Zoë\n").unwrap().as_str(), "Zoë");
        let max = "é".repeat(255);
        assert!(FullName::parse(&max).is_ok());
        let err = FullName::parse(&format!("{max}é")).unwrap_err();
        assert_eq!(err.message, "must be at most 255 characters (got 256)");
        assert!(ProductName::parse("").is_err());
        assert!(ProductName::parse("tab\tinside").is_err());
    }
}
