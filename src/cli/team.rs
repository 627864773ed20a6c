//! `switchboard team init`: the DynamoDB table of the team cache, created through the API or
//! printed as Terraform or CloudFormation for those who manage tables as code.

use super::args::TemplateKind;
use super::common::print_quietly;
use super::live;
use crate::config::Config;
use crate::source::aws::AwsOptions;
use crate::source::aws::settings::is_table_name;
use anyhow::{Result, bail};

pub(super) fn init(
    cfg: &Config,
    options: &AwsOptions,
    table: Option<String>,
    print: Option<TemplateKind>,
) -> Result<u8> {
    let Some(table) =
        table.or_else(|| cfg.aws.as_ref().and_then(|a| a.team.as_ref()).map(|t| t.table.clone()))
    else {
        bail!("which table? set [aws.team] table = \"…\" in the config or pass --table NAME");
    };
    // Checked before it goes into a template or a request.
    if !is_table_name(&table) {
        bail!("{table:?} is not a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -)");
    }
    match print {
        Some(TemplateKind::Terraform) => print_quietly(&terraform(&table))?,
        Some(TemplateKind::Cloudformation) => print_quietly(&cloudformation(&table))?,
        None => {
            let what = live::create_team_table(cfg, options, &table)?;
            print_quietly(&format!("{what}\n"))?;
        }
    }
    Ok(0)
}

fn terraform(table: &str) -> String {
    format!(
        r#"# The switchboard team cache: one console polls Amazon Connect, the others read here.
resource "aws_dynamodb_table" "switchboard_team" {{
  name         = "{table}"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"

  attribute {{
    name = "pk"
    type = "S"
  }}

  ttl {{
    attribute_name = "ttl"
    enabled        = true
  }}
}}
"#
    )
}

fn cloudformation(table: &str) -> String {
    format!(
        r#"AWSTemplateFormatVersion: "2010-09-09"
Description: The switchboard team cache (one console polls Amazon Connect, the others read here)
Resources:
  SwitchboardTeamTable:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: {table}
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions:
        - AttributeName: pk
          AttributeType: S
      KeySchema:
        - AttributeName: pk
          KeyType: HASH
      TimeToLiveSpecification:
        AttributeName: ttl
        Enabled: true
"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_name_the_table_key_billing_and_ttl() {
        let tf = terraform("sb-team");
        for want in [
            "name         = \"sb-team\"",
            "PAY_PER_REQUEST",
            "hash_key     = \"pk\"",
            "attribute_name = \"ttl\"",
        ] {
            assert!(tf.contains(want), "{want}: {tf}");
        }
        let cf = cloudformation("sb-team");
        for want in
            ["TableName: sb-team", "BillingMode: PAY_PER_REQUEST", "KeyType: HASH", "AttributeName: ttl"]
        {
            assert!(cf.contains(want), "{want}: {cf}");
        }
    }
}
