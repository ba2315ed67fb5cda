//! Container image references, parsed by the distribution reference grammar
//! (`[domain/]path[:tag][@digest]`), normalized as Docker does (`nginx` is
//! `docker.io/library/nginx`), and matched against allowlist entries on host and
//! path-segment boundaries.

use std::sync::LazyLock;

use regex::Regex;

use crate::sanitize::excerpt;

/// A parsed, normalized image reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageRef {
    /// The registry host (with port), lower case: `docker.io`, `myacr.azurecr.io`, `host:5000`.
    pub domain: String,
    /// The repository path inside the registry: `library/nginx`, `team/app`.
    pub path: String,
    pub tag: Option<String>,
    /// `algorithm:hex`.
    pub digest: Option<String>,
}

const DEFAULT_DOMAIN: &str = "docker.io";
const MAX_NAME: usize = 255;

static DOMAIN: LazyLock<Regex> = LazyLock::new(|| {
    let label = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
    Regex::new(&format!(
        r"^(?:{label}(?:\.{label})*|\[[0-9A-Fa-f:.]+\])(?::[0-9]+)?$"
    ))
    .unwrap()
});
static PATH: LazyLock<Regex> = LazyLock::new(|| {
    let comp = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
    Regex::new(&format!(r"^{comp}(?:/{comp})*$")).unwrap()
});
static DIGEST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$").unwrap()
});

/// A tag as the distribution reference grammar has it: `[\w][\w.-]{0,127}` with ASCII
/// word characters (written out: the regex with a bounded repeat costs milliseconds to
/// build).
fn is_tag(t: &str) -> bool {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let b = t.as_bytes();
    (1..=128).contains(&b.len())
        && word(b[0])
        && b[1..].iter().all(|&c| word(c) || c == b'.' || c == b'-')
}

/// Why an image reference is not one a container runtime would pull. Values quoted in the
/// messages are shortened and made printable.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ImageError {
    #[error("the image reference is empty")]
    Empty,
    #[error("the image reference has leading or trailing white space")]
    WhiteSpace,
    #[error("`{0}` is not a valid digest")]
    Digest(String),
    #[error("a sha256 digest has 64 hex digits")]
    DigestLength,
    #[error("the tag after `:` is empty")]
    EmptyTag,
    #[error("`{0}` is not a valid tag")]
    Tag(String),
    #[error("the image reference has no repository name")]
    NoName,
    #[error("the repository name is longer than {MAX_NAME} characters")]
    NameTooLong,
    #[error("`{0}` is not a valid registry host")]
    Host(String),
    #[error("the repository name must be lower case")]
    UpperCase,
    #[error("`{0}` is not a valid repository name")]
    Name(String),
}

impl ImageRef {
    /// Parse a reference as a container runtime would; the error says what is wrong.
    pub fn parse(s: &str) -> Result<ImageRef, ImageError> {
        if s.is_empty() {
            return Err(ImageError::Empty);
        }
        if s.trim() != s {
            return Err(ImageError::WhiteSpace);
        }
        let (rest, digest) = match s.split_once('@') {
            Some((r, d)) => {
                if !DIGEST.is_match(d) {
                    return Err(ImageError::Digest(excerpt(d).into()));
                }
                if let Some(hex) = d.strip_prefix("sha256:")
                    && hex.len() != 64
                {
                    return Err(ImageError::DigestLength);
                }
                (r, Some(d.to_string()))
            }
            None => (s, None),
        };
        // A tag follows the last `:` after the last `/` (a `:` before it is a port).
        let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest[last_slash..].rfind(':') {
            Some(i) => {
                let t = &rest[last_slash + i + 1..];
                if t.is_empty() {
                    return Err(ImageError::EmptyTag);
                }
                if !is_tag(t) {
                    return Err(ImageError::Tag(excerpt(t).into()));
                }
                (&rest[..last_slash + i], Some(t.to_string()))
            }
            None => (rest, None),
        };
        if name.is_empty() {
            return Err(ImageError::NoName);
        }
        if name.len() > MAX_NAME {
            return Err(ImageError::NameTooLong);
        }
        let (domain, path) = match name.split_once('/') {
            Some((first, remainder))
                if first.contains(['.', ':'])
                    || first == "localhost"
                    || first.to_ascii_lowercase() != first =>
            {
                if !DOMAIN.is_match(first) {
                    return Err(ImageError::Host(excerpt(first).into()));
                }
                (first.to_ascii_lowercase(), remainder.to_string())
            }
            _ => (DEFAULT_DOMAIN.to_string(), name.to_string()),
        };
        let domain = if domain == "index.docker.io" {
            DEFAULT_DOMAIN.to_string()
        } else {
            domain
        };
        if path.to_ascii_lowercase() != path {
            return Err(ImageError::UpperCase);
        }
        if !PATH.is_match(&path) {
            return Err(ImageError::Name(excerpt(&path).into()));
        }
        let path = if domain == DEFAULT_DOMAIN && !path.contains('/') {
            format!("library/{path}")
        } else {
            path
        };
        Ok(ImageRef {
            domain,
            path,
            tag,
            digest,
        })
    }

    /// `domain/path`.
    pub fn repository(&self) -> String {
        format!("{}/{}", self.domain, self.path)
    }
}

impl std::fmt::Display for ImageRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.domain, self.path)?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

/// Whether an allowlist entry admits an image: the entry is a host (`myacr.azurecr.io`),
/// a host and path prefix (`ghcr.io/org`, trailing `/` optional) matched on segment
/// boundaries, or `*.suffix` for any host under a domain. Hosts compare case-insensitively.
pub fn entry_admits(entry: &str, image: &ImageRef) -> bool {
    let entry = entry.trim().trim_end_matches('/');
    let (host, prefix) = match entry.split_once('/') {
        Some((h, p)) => (h.to_ascii_lowercase(), Some(p)),
        None => (entry.to_ascii_lowercase(), None),
    };
    let host = if host == "index.docker.io" {
        DEFAULT_DOMAIN.to_string()
    } else {
        host
    };
    let host_ok = match host.strip_prefix("*.") {
        Some(suffix) => image
            .domain
            .strip_suffix(suffix)
            .is_some_and(|label| label.len() > 1 && label.ends_with('.')),
        None => image.domain == host,
    };
    host_ok
        && prefix.is_none_or(|p| {
            image.path == p
                || image
                    .path
                    .strip_prefix(p)
                    .is_some_and(|rest| rest.starts_with('/'))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn p(s: &str) -> ImageRef {
        ImageRef::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn normalizes_like_docker() {
        assert_eq!(p("nginx").repository(), "docker.io/library/nginx");
        assert_eq!(p("nginx").tag, None);
        assert_eq!(p("bitnami/redis:7").repository(), "docker.io/bitnami/redis");
        assert_eq!(
            p("index.docker.io/nginx").repository(),
            "docker.io/library/nginx"
        );
        assert_eq!(p("localhost/app").domain, "localhost");
        let r = p("host:5000/team/app:1.2");
        assert_eq!(
            (r.domain.as_str(), r.path.as_str()),
            ("host:5000", "team/app")
        );
        assert_eq!(r.tag.as_deref(), Some("1.2"));
        let d = format!("sha256:{}", "a".repeat(64));
        let r = p(&format!("MyAcr.azurecr.io/app:v1@{d}"));
        assert_eq!(r.domain, "myacr.azurecr.io");
        assert_eq!(r.digest.as_deref(), Some(d.as_str()));
        assert_eq!(p("host:5000/img").tag, None);
    }

    #[test]
    fn malformed_references_are_errors() {
        for bad in [
            "",
            " nginx",
            "Nginx",
            "myacr.azurecr.io/App",
            "nginx:",
            "nginx:bad tag",
            "nginx@sha256:abc",
            "-bad.io/x",
            "a//b",
            "x/",
            ":tag",
        ] {
            assert!(ImageRef::parse(bad).is_err(), "{bad:?} should not parse");
        }
    }

    #[test]
    fn errors_show_scanned_text_escaped_and_short() {
        let e = ImageRef::parse("nginx:a\u{1b}[31m\u{7}")
            .unwrap_err()
            .to_string();
        assert!(!e.contains('\u{1b}') && !e.contains('\u{7}'), "{e:?}");
        assert!(e.contains("\\u{1b}"), "{e:?}");
        let e = ImageRef::parse("evil\u{1b}]8;;x\u{7}.io/app")
            .unwrap_err()
            .to_string();
        assert!(!e.contains('\u{1b}'), "{e:?}");
        let long = format!("nginx:{}", "é".repeat(5000));
        let e = ImageRef::parse(&long).unwrap_err().to_string();
        assert!(e.chars().count() < 300, "{} chars", e.chars().count());
    }

    #[test]
    fn entries_match_on_host_and_segment_boundaries() {
        let img = p("myacr.azurecr.io/team/app:1");
        assert!(entry_admits("myacr.azurecr.io", &img));
        assert!(entry_admits("MYACR.azurecr.io/", &img));
        assert!(entry_admits("myacr.azurecr.io/team", &img));
        assert!(entry_admits("myacr.azurecr.io/team/", &img));
        assert!(entry_admits("*.azurecr.io", &img));
        assert!(!entry_admits("myacr.azurecr.io/tea", &img));
        assert!(!entry_admits("azurecr.io", &img));
        assert!(!entry_admits("*.azurecr.io", &p("evilazurecr.io/x")));
        assert!(!entry_admits("*.azurecr.io", &p("azurecr.io/x")));
        assert!(!entry_admits(
            "myacr.azurecr.io",
            &p("myacr.azurecr.io.evil.com/x")
        ));
        assert!(!entry_admits("myacr.azurecr.io", &p("myacr.azurecr.iox/x")));
        assert!(!entry_admits("ghcr.io/org/", &p("ghcr.io/orgx/app")));
        assert!(entry_admits("docker.io/library", &p("nginx")));
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in "\\PC{0,80}") {
            let _ = ImageRef::parse(&s);
        }

        #[test]
        fn valid_references_round_trip(
            host in "[a-z][a-z0-9]{0,8}(\\.[a-z][a-z0-9]{0,8}){1,2}(:[0-9]{2,5})?",
            path in "[a-z0-9]{1,8}(/[a-z0-9]{1,8}){0,2}",
            tag in proptest::option::of("[A-Za-z0-9_][A-Za-z0-9_.-]{0,10}"),
        ) {
            let s = match &tag { Some(t) => format!("{host}/{path}:{t}"), None => format!("{host}/{path}") };
            let r = ImageRef::parse(&s).unwrap();
            prop_assert_eq!(&r.domain, &host);
            prop_assert_eq!(&r.path, &path);
            prop_assert_eq!(&r.tag, &tag);
            prop_assert_eq!(r.to_string(), s);
        }

        #[test]
        fn a_host_entry_admits_exactly_its_host(
            host in "[a-z]{1,6}\\.azurecr\\.io",
            junk in "[a-z0-9.-]{1,8}",
            path in "[a-z0-9]{1,8}",
        ) {
            let own = ImageRef::parse(&format!("{host}/{path}")).unwrap();
            prop_assert!(entry_admits(&host, &own));
            // A longer host that merely starts with the allowed one is another host.
            if let Ok(other) = ImageRef::parse(&format!("{host}{junk}/{path}")) {
                prop_assert!(!entry_admits(&host, &other));
            }
        }

        #[test]
        fn a_prefix_entry_admits_only_whole_segments(
            org in "[a-z]{1,6}",
            more in "[a-z0-9]{1,4}",
            app in "[a-z]{1,6}",
        ) {
            let entry = format!("ghcr.io/{org}/");
            let inside = ImageRef::parse(&format!("ghcr.io/{org}/{app}")).unwrap();
            let lookalike = ImageRef::parse(&format!("ghcr.io/{org}{more}/{app}")).unwrap();
            prop_assert!(entry_admits(&entry, &inside));
            prop_assert!(!entry_admits(&entry, &lookalike));
        }
    }
}
