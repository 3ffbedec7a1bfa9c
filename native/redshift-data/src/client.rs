//! The Data API client, pure Rust (no JVM): settings, ExecuteStatement / BatchExecuteStatement,
//! DescribeStatement polled until the statement is done, GetStatementResult (all pages).

use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region};
use aws_credential_types::Credentials;
use aws_sdk_redshiftdata::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_redshiftdata::types::{Field, SqlParameter, StatusString};
use aws_sdk_redshiftdata::Client;

/// A failure: `retriable` = the service was unreachable, throttled or timed out (retry the
/// batch); otherwise the statement failed (bad SQL or data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub retriable: bool,
    pub message: String,
}

impl Error {
    fn retriable(message: impl Into<String>) -> Self {
        Error {
            retriable: true,
            message: message.into(),
        }
    }
    fn failed(message: impl Into<String>) -> Self {
        Error {
            retriable: false,
            message: message.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// Where and as whom statements run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    pub region: String,
    pub endpoint_url: Option<String>,
    /// a provisioned cluster ...
    pub cluster_identifier: Option<String>,
    /// ... or a serverless workgroup
    pub workgroup_name: Option<String>,
    pub database: String,
    /// temporary IAM credentials for this database user (provisioned clusters)
    pub db_user: Option<String>,
    /// or the credentials in this Secrets Manager secret
    pub secret_arn: Option<String>,
    /// static AWS credentials; none = the SDK's default provider chain
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    pub session_token: Option<String>,
    pub poll_interval: Duration,
    pub statement_timeout: Duration,
    pub max_attempts: u32,
}

impl Settings {
    /// From key, value pairs (the Java side's settings array). Unknown keys are an error.
    pub fn from_pairs(pairs: &[(String, String)]) -> Result<Settings, Error> {
        let mut s = Settings {
            region: "us-east-1".into(),
            database: "dev".into(),
            poll_interval: Duration::from_millis(50),
            statement_timeout: Duration::from_secs(300),
            max_attempts: 5,
            ..Settings::default()
        };
        let ms = |k: &str, v: &str| -> Result<Duration, Error> {
            v.parse::<u64>()
                .map(Duration::from_millis)
                .map_err(|_| Error::failed(format!("{k}: not a number of milliseconds: {v}")))
        };
        for (k, v) in pairs {
            let some = || Some(v.clone()).filter(|x| !x.is_empty());
            match k.as_str() {
                "region" => s.region = v.clone(),
                "endpoint_url" => s.endpoint_url = some(),
                "cluster_identifier" => s.cluster_identifier = some(),
                "workgroup_name" => s.workgroup_name = some(),
                "database" => s.database = v.clone(),
                "db_user" => s.db_user = some(),
                "secret_arn" => s.secret_arn = some(),
                "access_key_id" => s.access_key_id = some(),
                "secret_access_key" => s.secret_access_key = some(),
                "session_token" => s.session_token = some(),
                "poll_interval_ms" => s.poll_interval = ms(k, v)?,
                "statement_timeout_ms" => s.statement_timeout = ms(k, v)?,
                "max_attempts" => {
                    s.max_attempts = v
                        .parse()
                        .map_err(|_| Error::failed(format!("max_attempts: {v}")))?
                }
                other => return Err(Error::failed(format!("unknown setting {other}"))),
            }
        }
        if s.cluster_identifier.is_some() == s.workgroup_name.is_some() {
            return Err(Error::failed(
                "set exactly one of cluster_identifier and workgroup_name",
            ));
        }
        if s.access_key_id.is_some() != s.secret_access_key.is_some() {
            return Err(Error::failed(
                "access_key_id and secret_access_key go together",
            ));
        }
        Ok(s)
    }
}

/// A statement's result: column names and rows (None = NULL), values as text.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueryResult {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Option<String>>>,
}

/// One client: its own single-threaded runtime, used by one caller at a time.
pub struct DataApi {
    settings: Settings,
    runtime: tokio::runtime::Runtime,
    client: Client,
    lock: Mutex<()>,
}

impl DataApi {
    pub fn new(settings: Settings) -> Result<DataApi, Error> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::failed(format!("tokio runtime: {e}")))?;
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(settings.region.clone()))
            .retry_config(RetryConfig::standard().with_max_attempts(settings.max_attempts));
        if let Some(url) = &settings.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        if let (Some(ak), Some(sk)) = (&settings.access_key_id, &settings.secret_access_key) {
            loader = loader.credentials_provider(Credentials::new(
                ak,
                sk,
                settings.session_token.clone(),
                None,
                "vitalflow-warehouse-sink",
            ));
        }
        let config = runtime.block_on(loader.load());
        let client = Client::new(&config);
        Ok(DataApi {
            settings,
            runtime,
            client,
            lock: Mutex::new(()),
        })
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// ExecuteStatement with named parameters, polled until done; the result when it has one.
    pub fn execute(&self, sql: &str, params: &[(String, String)]) -> Result<QueryResult, Error> {
        let _guard = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        self.runtime.block_on(self.execute_async(sql, params))
    }

    /// BatchExecuteStatement (the Data API runs the statements as one transaction), polled until
    /// done; returns the statement id.
    pub fn batch(&self, sqls: &[String]) -> Result<String, Error> {
        let _guard = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        self.runtime.block_on(self.batch_async(sqls))
    }

    async fn execute_async(
        &self,
        sql: &str,
        params: &[(String, String)],
    ) -> Result<QueryResult, Error> {
        let s = &self.settings;
        let mut req = self
            .client
            .execute_statement()
            .sql(sql)
            .database(&s.database)
            .set_cluster_identifier(s.cluster_identifier.clone())
            .set_workgroup_name(s.workgroup_name.clone())
            .set_db_user(s.db_user.clone())
            .set_secret_arn(s.secret_arn.clone())
            .with_event(false);
        for (name, value) in params {
            let p = SqlParameter::builder()
                .name(name)
                .value(value)
                .build()
                .map_err(|e| Error::failed(format!("parameter {name}: {e}")))?;
            req = req.parameters(p);
        }
        let out = req.send().await.map_err(sdk_error)?;
        let id = out
            .id()
            .ok_or_else(|| Error::retriable("ExecuteStatement returned no id"))?
            .to_string();
        let has_result = self.wait(&id).await?;
        if has_result {
            self.result(&id).await
        } else {
            Ok(QueryResult::default())
        }
    }

    async fn batch_async(&self, sqls: &[String]) -> Result<String, Error> {
        let s = &self.settings;
        let out = self
            .client
            .batch_execute_statement()
            .set_sqls(Some(sqls.to_vec()))
            .database(&s.database)
            .set_cluster_identifier(s.cluster_identifier.clone())
            .set_workgroup_name(s.workgroup_name.clone())
            .set_db_user(s.db_user.clone())
            .set_secret_arn(s.secret_arn.clone())
            .with_event(false)
            .send()
            .await
            .map_err(sdk_error)?;
        let id = out
            .id()
            .ok_or_else(|| Error::retriable("BatchExecuteStatement returned no id"))?
            .to_string();
        self.wait(&id).await?;
        Ok(id)
    }

    /// Polls DescribeStatement until FINISHED (returns whether there is a result set), FAILED or
    /// ABORTED, or the statement timeout (then cancels it).
    async fn wait(&self, id: &str) -> Result<bool, Error> {
        let start = Instant::now();
        loop {
            let d = self
                .client
                .describe_statement()
                .id(id)
                .send()
                .await
                .map_err(sdk_error)?;
            match d.status() {
                Some(StatusString::Finished) => return Ok(d.has_result_set().unwrap_or(false)),
                Some(StatusString::Failed) => {
                    return Err(Error::failed(format!(
                        "statement {id} failed: {}",
                        d.error().unwrap_or("(no error text)")
                    )))
                }
                Some(StatusString::Aborted) => {
                    return Err(Error::retriable(format!("statement {id} was aborted")))
                }
                _ => {}
            }
            if start.elapsed() > self.settings.statement_timeout {
                let _ = self.client.cancel_statement().id(id).send().await;
                return Err(Error::retriable(format!(
                    "statement {id} did not finish in {:?}",
                    self.settings.statement_timeout
                )));
            }
            tokio::time::sleep(self.settings.poll_interval).await;
        }
    }

    async fn result(&self, id: &str) -> Result<QueryResult, Error> {
        let mut out = QueryResult::default();
        let mut token: Option<String> = None;
        loop {
            let page = self
                .client
                .get_statement_result()
                .id(id)
                .set_next_token(token.take())
                .send()
                .await
                .map_err(sdk_error)?;
            if out.columns.is_empty() {
                out.columns = page
                    .column_metadata()
                    .iter()
                    .map(|c| c.name().unwrap_or_default().to_string())
                    .collect();
            }
            for record in page.records() {
                out.rows.push(record.iter().map(field_text).collect());
            }
            match page.next_token() {
                Some(t) if !t.is_empty() => token = Some(t.to_string()),
                _ => return Ok(out),
            }
        }
    }
}

fn field_text(f: &Field) -> Option<String> {
    match f {
        Field::IsNull(true) => None,
        Field::IsNull(false) => Some(String::new()),
        Field::StringValue(s) => Some(s.clone()),
        Field::LongValue(v) => Some(v.to_string()),
        Field::DoubleValue(v) => Some(v.to_string()),
        Field::BooleanValue(v) => Some(v.to_string()),
        Field::BlobValue(b) => Some(String::from_utf8_lossy(b.as_ref()).into_owned()),
        _ => None,
    }
}

/// Service errors the API documents as transient; everything that never reached the service
/// (connection, timeout, unparseable response) is retriable too.
const RETRIABLE_CODES: &[&str] = &[
    "ThrottlingException",
    "InternalServerException",
    "ActiveStatementsExceededException",
    "ActiveSessionsExceededException",
    "ServiceUnavailableException",
];

fn sdk_error<E, R>(e: SdkError<E, R>) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: fmt::Debug,
{
    let message = format!("{}", DisplayErrorContext(&e));
    match &e {
        SdkError::ServiceError(se) => {
            let code = se.err().code().unwrap_or("");
            Error {
                retriable: RETRIABLE_CODES.contains(&code),
                message,
            }
        }
        _ => Error::retriable(message),
    }
}

/// Parses alternating key, value strings.
pub fn pairs(flat: &[String]) -> Result<Vec<(String, String)>, Error> {
    if flat.len() % 2 != 0 {
        return Err(Error::failed("odd number of key/value strings"));
    }
    Ok(flat
        .chunks(2)
        .map(|c| (c[0].clone(), c[1].clone()))
        .collect())
}

/// Flattens a result the way the Java side reads it: [column count, names..., values...].
pub fn flatten(r: &QueryResult) -> Vec<Option<String>> {
    let mut out = Vec::with_capacity(1 + r.columns.len() * (1 + r.rows.len()));
    out.push(Some(r.columns.len().to_string()));
    out.extend(r.columns.iter().cloned().map(Some));
    for row in &r.rows {
        out.extend(row.iter().cloned());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kv(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn settings_need_exactly_one_target() {
        assert!(Settings::from_pairs(&kv(&[("database", "dev")])).is_err());
        let both = kv(&[("cluster_identifier", "c"), ("workgroup_name", "w")]);
        assert!(Settings::from_pairs(&both).is_err());
        let s = Settings::from_pairs(&kv(&[
            ("workgroup_name", "wg"),
            ("region", "eu-west-1"),
            ("poll_interval_ms", "7"),
        ]))
        .unwrap();
        assert_eq!(s.workgroup_name.as_deref(), Some("wg"));
        assert_eq!(s.region, "eu-west-1");
        assert_eq!(s.poll_interval, Duration::from_millis(7));
    }

    #[test]
    fn settings_reject_unknown_keys_and_half_credentials() {
        let e = Settings::from_pairs(&kv(&[("cluster_identifier", "c"), ("colour", "red")]))
            .unwrap_err();
        assert!(e.message.contains("colour"), "{e}");
        let e = Settings::from_pairs(&kv(&[("cluster_identifier", "c"), ("access_key_id", "A")]))
            .unwrap_err();
        assert!(e.message.contains("secret_access_key"), "{e}");
    }

    #[test]
    fn flatten_puts_the_column_count_first() {
        let r = QueryResult {
            columns: vec!["a".into(), "b".into()],
            rows: vec![vec![Some("1".into()), None]],
        };
        assert_eq!(
            flatten(&r),
            vec![
                Some("2".into()),
                Some("a".into()),
                Some("b".into()),
                Some("1".into()),
                None
            ]
        );
        assert!(pairs(&["x".into()]).is_err());
    }
}
