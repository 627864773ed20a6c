//! `[[notify]]`: incident notification targets, each problem reported at its key.
//!
//! ```toml
//! [[notify]]
//! kind = "sns"
//! topic_arn = "arn:aws:sns:us-east-1:123456789012:oncall"
//! [[notify]]
//! kind = "webhook"
//! url = "https://example.service-now.com/api/now/table/incident"
//! format = "servicenow"                            # servicenow, jira, slack, json
//! headers = { Authorization = "env:SNOW_TOKEN" }   # secrets come from the environment
//! ```

use super::raw::RawNotify;
use super::validate::Checker;
use crate::file_error::FileError;
use crate::model::notify::{
    DEFAULT_GIVE_UP_AFTER, DEFAULT_TIMEOUT, HeaderValue, NotifyKind, Target, Trigger, WebhookFormat,
    check_topic_arn, check_url, is_secret_header,
};
use serde_spanned::Spanned;
use std::time::Duration;

impl Checker<'_> {
    pub(super) fn notify(&self, raw: Vec<Spanned<RawNotify>>) -> Result<Vec<Target>, FileError> {
        let mut out: Vec<Target> = Vec::new();
        for table in raw {
            let span = table.span();
            let n = table.into_inner();
            let not_for = |v: Option<&Spanned<String>>, key: &str, kind: &str| match v {
                Some(v) => Err(self.at(v.span(), format!("{key} is not a setting of kind = \"{kind}\""))),
                None => Ok(()),
            };
            let kind = match n.kind.get_ref().as_str() {
                "sns" => {
                    let arn = n
                        .topic_arn
                        .as_ref()
                        .ok_or_else(|| self.at(span.clone(), "kind = \"sns\" needs topic_arn"))?;
                    check_topic_arn(arn.get_ref()).map_err(|m| self.at(arn.span(), m))?;
                    not_for(n.url.as_ref(), "url", "sns")?;
                    not_for(n.format.as_ref(), "format", "sns")?;
                    not_for(n.project.as_ref(), "project", "sns")?;
                    not_for(n.issue_type.as_ref(), "issue_type", "sns")?;
                    if let Some((k, _)) = n.headers.iter().next() {
                        return Err(self.at(k.span(), "headers are not a setting of kind = \"sns\""));
                    }
                    NotifyKind::Sns { topic_arn: arn.get_ref().clone() }
                }
                "webhook" => {
                    let url = n
                        .url
                        .as_ref()
                        .ok_or_else(|| self.at(span.clone(), "kind = \"webhook\" needs url"))?;
                    check_url(url.get_ref()).map_err(|m| self.at(url.span(), m))?;
                    not_for(n.topic_arn.as_ref(), "topic_arn", "webhook")?;
                    let format = match &n.format {
                        None => WebhookFormat::Json,
                        Some(f) => WebhookFormat::parse(f.get_ref()).ok_or_else(|| {
                            self.at(
                                f.span(),
                                format!("unknown format {:?} (servicenow, jira, slack, json)", f.get_ref()),
                            )
                        })?,
                    };
                    let mut headers = Vec::new();
                    for (k, v) in &n.headers {
                        let name = k.get_ref();
                        let ok = !name.is_empty()
                            && name
                                .chars()
                                .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c));
                        if !ok {
                            return Err(self.at(k.span(), format!("bad header name {name:?}")));
                        }
                        if ["content-type", "idempotency-key", "host", "content-length"]
                            .contains(&name.to_ascii_lowercase().as_str())
                        {
                            return Err(self.at(k.span(), format!("{name} is set by Switchboard")));
                        }
                        let value = HeaderValue::parse(v.get_ref()).map_err(|m| self.at(v.span(), m))?;
                        if matches!(value, HeaderValue::Literal(_)) && is_secret_header(name) {
                            return Err(self.at(
                                v.span(),
                                format!("{name} carries a secret: name an environment variable (\"env:VAR\"), not the value"),
                            ));
                        }
                        headers.push((name.clone(), value));
                    }
                    if format != WebhookFormat::Jira {
                        not_for(n.project.as_ref(), "project", "webhook with a format other than jira")?;
                        not_for(
                            n.issue_type.as_ref(),
                            "issue_type",
                            "webhook with a format other than jira",
                        )?;
                    }
                    let project = match (&n.project, format) {
                        (Some(p), _) => {
                            let ok = !p.get_ref().is_empty()
                                && p.get_ref().chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                            if !ok {
                                return Err(
                                    self.at(p.span(), format!("bad Jira project key {:?}", p.get_ref()))
                                );
                            }
                            Some(p.get_ref().clone())
                        }
                        (None, WebhookFormat::Jira) => {
                            return Err(
                                self.at(url.span(), "format = \"jira\" needs project (the project key)")
                            );
                        }
                        (None, _) => None,
                    };
                    NotifyKind::Webhook {
                        url: url.get_ref().clone(),
                        format,
                        headers,
                        project,
                        issue_type: n.issue_type.as_ref().map(|t| t.get_ref().clone()),
                    }
                }
                other => {
                    return Err(self.at(n.kind.span(), format!("unknown kind {other:?} (sns or webhook)")));
                }
            };
            let name = match &n.name {
                Some(nm) => {
                    let ok = !nm.get_ref().is_empty()
                        && nm.get_ref().len() <= 64
                        && nm
                            .get_ref()
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
                    if !ok {
                        return Err(self
                            .at(nm.span(), format!("bad name {:?} (letters, digits, - _ .)", nm.get_ref())));
                    }
                    nm.get_ref().clone()
                }
                None => Target::default_name(&kind),
            };
            if out.iter().any(|t| t.name == name) {
                let at = n.name.as_ref().map_or(span.clone(), |nm| nm.span());
                return Err(
                    self.at(at, format!("two [[notify]] targets are named {name:?}; give one a name"))
                );
            }
            let on = match &n.on {
                None => Trigger::ALL.to_vec(),
                Some(list) => {
                    let mut on = Vec::new();
                    for t in list {
                        let tr = Trigger::parse(t.get_ref()).ok_or_else(|| {
                            self.at(
                                t.span(),
                                format!("unknown trigger {:?} (declared, status, resolved)", t.get_ref()),
                            )
                        })?;
                        on.push(tr);
                    }
                    on
                }
            };
            let duration =
                |v: &Option<Spanned<String>>, default: Duration, min: Duration, max: Duration, what: &str| {
                    let Some(v) = v else { return Ok(default) };
                    let d = humantime::parse_duration(v.get_ref())
                        .map_err(|e| self.at(v.span(), format!("{what}: {e}")))?;
                    if d < min || d > max {
                        return Err(self.at(
                            v.span(),
                            format!(
                                "{what} must be between {} and {}",
                                humantime::format_duration(min),
                                humantime::format_duration(max)
                            ),
                        ));
                    }
                    Ok(d)
                };
            let timeout = duration(
                &n.timeout,
                DEFAULT_TIMEOUT,
                Duration::from_secs(1),
                Duration::from_secs(120),
                "timeout",
            )?;
            let give_up_after = duration(
                &n.give_up_after,
                DEFAULT_GIVE_UP_AFTER,
                Duration::from_secs(10),
                Duration::from_secs(7 * 86_400),
                "give_up_after",
            )?;
            out.push(Target { name, kind, on, timeout, give_up_after });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use crate::model::notify::{HeaderValue, NotifyKind, Trigger, WebhookFormat};
    use std::path::Path;

    fn parse(src: &str) -> Result<Config, String> {
        Config::from_str(Path::new("c.toml"), src).map_err(|e| e.to_string())
    }

    #[test]
    fn the_issue_s_example_loads_with_the_secret_left_in_the_environment() {
        let c = parse(
            r#"
[[notify]]
kind = "sns"
topic_arn = "arn:aws:sns:us-east-1:123456789012:oncall"
[[notify]]
kind = "webhook"
url = "https://example.service-now.com/api/now/table/incident"
format = "servicenow"
headers = { Authorization = "env:SNOW_TOKEN" }
"#,
        )
        .unwrap();
        assert_eq!(c.notify.len(), 2);
        assert_eq!(c.notify[0].name, "sns-oncall");
        assert_eq!(c.notify[0].on, Trigger::ALL);
        match &c.notify[1].kind {
            NotifyKind::Webhook { format, headers, .. } => {
                assert_eq!(*format, WebhookFormat::Servicenow);
                assert_eq!(headers, &[("Authorization".to_string(), HeaderValue::Env("SNOW_TOKEN".into()))]);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(c.notify[1].name, "servicenow-example.service-now.com");
    }

    #[test]
    fn problems_are_reported_at_their_key() {
        let e = parse("[[notify]]\nkind = \"webhook\"\nurl = \"https://x.example/h\"\nheaders = { Authorization = \"Bearer abc\" }\n").unwrap_err();
        assert!(e.starts_with("c.toml:4:29: Authorization carries a secret"), "{e}");
        let e = parse("[[notify]]\nkind = \"pager\"\n").unwrap_err();
        assert_eq!(e, "c.toml:2:8: unknown kind \"pager\" (sns or webhook)");
        let e = parse("[[notify]]\nkind = \"webhook\"\nurl = \"http://example.com/h\"\n").unwrap_err();
        assert!(e.starts_with("c.toml:3:7:") && e.contains("use https"), "{e}");
        let e = parse("[[notify]]\nkind = \"webhook\"\nurl = \"https://x.example/h\"\nformat = \"teams\"\n")
            .unwrap_err();
        assert!(e.starts_with("c.toml:4:10: unknown format \"teams\""), "{e}");
        let e = parse("[[notify]]\nkind = \"sns\"\ntopic_arn = \"oncall\"\n").unwrap_err();
        assert!(e.starts_with("c.toml:3:13:"), "{e}");
        let e = parse("[[notify]]\nkind = \"webhook\"\nurl = \"https://x.example/h\"\nformat = \"jira\"\n")
            .unwrap_err();
        assert!(e.contains("needs project"), "{e}");
        let e = parse(
            "[[notify]]\nkind = \"webhook\"\nurl = \"https://x.example/h\"\non = [\"declared\", \"paged\"]\n",
        )
        .unwrap_err();
        assert!(e.starts_with("c.toml:4:19: unknown trigger \"paged\""), "{e}");
        let two = "[[notify]]\nkind = \"webhook\"\nurl = \"https://x.example/h\"\n";
        assert!(parse(&format!("{two}{two}")).unwrap_err().contains("two [[notify]] targets are named"));
    }
}
