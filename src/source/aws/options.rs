//! What the command line says about where AWS is: main fills this from `--profile`,
//! `--region` and `--endpoint-url`. Everything else comes from the standard chain
//! (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL, per-service AWS_ENDPOINT_URL_CLOUDWATCH /
//! _CONNECT / _SSM / _STS, profiles, SSO, instance roles).

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AwsOptions {
    pub profile: Option<String>,
    pub region: Option<String>,
    /// One endpoint for every service (emulators, VPC endpoints, FIPS endpoints).
    pub endpoint_url: Option<String>,
    /// Fixed dummy credentials, for local emulators (they want signed requests and check no
    /// secret). Never for real AWS.
    pub emulator_credentials: bool,
}
