//! `[[flags]]`: emergency flags in SSM Parameter Store, each problem reported at its key.
//!
//! ```toml
//! [[flags]]
//! name = "crm_bypass"                                # what runbooks and the console call it
//! parameter = "/contact-center/flags/crm-bypass"     # the parameter contact flows read
//! values = [
//!   { value = "off", means = "contact flows look the caller up in the CRM" },
//!   { value = "on",  means = "contact flows skip the CRM lookup (no screen pop)" },
//! ]
//! ```

use super::raw::RawFlag;
use super::validate::Checker;
use crate::file_error::FileError;
use crate::model::{Flag, FlagValue, check_flag_name, check_flag_value, check_parameter_name};
use serde_spanned::Spanned;

/// A meaning is shown in a confirmation on one line.
const MAX_MEANING: usize = 300;

impl Checker<'_> {
    pub(super) fn flags(&self, raw: Vec<Spanned<RawFlag>>) -> Result<Vec<Flag>, FileError> {
        let mut out: Vec<Flag> = Vec::new();
        for table in raw {
            let f = table.into_inner();
            check_flag_name(f.name.get_ref()).map_err(|m| self.at(f.name.span(), m))?;
            if out.iter().any(|o| o.name == *f.name.get_ref()) {
                return Err(self.at(f.name.span(), format!("flag {:?} is declared twice", f.name.get_ref())));
            }
            check_parameter_name(f.parameter.get_ref()).map_err(|m| self.at(f.parameter.span(), m))?;
            if let Some(o) = out.iter().find(|o| o.parameter == *f.parameter.get_ref()) {
                return Err(self.at(
                    f.parameter.span(),
                    format!("parameter {} is already flag {}", f.parameter.get_ref(), o.name),
                ));
            }
            let values_span = f.values.span();
            let mut values: Vec<FlagValue> = Vec::new();
            for v in f.values.into_inner() {
                let v = v.into_inner();
                check_flag_value(v.value.get_ref()).map_err(|m| self.at(v.value.span(), m))?;
                if values.iter().any(|o| o.value == *v.value.get_ref()) {
                    return Err(
                        self.at(v.value.span(), format!("value {:?} is listed twice", v.value.get_ref()))
                    );
                }
                let means = crate::sanitize::sanitize_line(v.means.get_ref().as_bytes());
                let means = means.trim();
                if means.is_empty() || means.chars().count() > MAX_MEANING {
                    return Err(self.at(
                        v.means.span(),
                        format!("means: say what this value does, in 1 to {MAX_MEANING} characters"),
                    ));
                }
                values.push(FlagValue { value: v.value.into_inner(), meaning: means.to_string() });
            }
            if values.len() < 2 {
                return Err(
                    self.at(values_span, "a flag needs at least two values (one to set, one to go back to)")
                );
            }
            out.push(Flag {
                name: f.name.into_inner(),
                parameter: f.parameter.into_inner(),
                values,
                // Not read yet: shown as unknown until Parameter Store answers.
                ..Flag::default()
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use std::path::Path;

    fn load(src: &str) -> Result<Config, String> {
        Config::from_str(Path::new("config.toml"), src).map_err(|e| e.to_string())
    }

    const GOOD: &str = r#"
[[flags]]
name = "crm_bypass"
parameter = "/cc/flags/crm-bypass"
values = [
  { value = "off", means = "look callers up" },
  { value = "on", means = "skip the CRM lookup" },
]
"#;

    #[test]
    fn a_flag_is_read_in_order() {
        let c = load(GOOD).unwrap();
        assert_eq!(c.flags.len(), 1);
        let f = &c.flags[0];
        assert_eq!((f.name.as_str(), f.parameter.as_str()), ("crm_bypass", "/cc/flags/crm-bypass"));
        let values: Vec<&str> = f.values.iter().map(|v| v.value.as_str()).collect();
        assert_eq!(values, ["off", "on"]);
        assert_eq!(f.meaning("on"), Some("skip the CRM lookup"));
        assert_eq!(f.current, None);
    }

    #[test]
    fn problems_are_reported_at_their_key() {
        let cases = [
            (GOOD.replace("crm_bypass", "CRM Bypass"), "config.toml:3:8", "invalid flag name"),
            (GOOD.replace("/cc/flags/crm-bypass", "/aws/x"), "config.toml:4:13", "reserved by AWS"),
            (GOOD.replace("\"on\"", "\"off\""), "config.toml:7:13", "listed twice"),
            (GOOD.replace("skip the CRM lookup", " "), "config.toml:7:27", "say what this value does"),
            (
                GOOD.replace("  { value = \"on\", means = \"skip the CRM lookup\" },\n", ""),
                "config.toml:5:10",
                "at least two values",
            ),
            (format!("{GOOD}{GOOD}"), "config.toml:11:8", "declared twice"),
        ];
        for (src, at, what) in cases {
            let e = load(&src).unwrap_err();
            assert!(e.starts_with(at) && e.contains(what), "{at} {what}: {e}");
        }
    }
}
