//! RDS through aws-sdk-rds: DescribeDBInstances of the instances the RDS panes show (their
//! storage, status and pending changes, what `grow_storage` is planned against) and the one
//! change the console makes, ModifyDBInstance of AllocatedStorage with ApplyImmediately.
//!
//! The real service's answer to a storage change is the instance as it was, the new size under
//! PendingModifiedValues; the size arrives minutes later (`modifying`, then
//! `storage-optimization`). moto applies the change at once (AllocatedStorage is the new size
//! in the answer, nothing pending, status `available`): the parser reads either, and the
//! simulator does what RDS does.

use super::errors::classify;
use super::names::NameSet;
use crate::model::{DbInstance, Snapshot, Timestamp, check_db_instance_id};
use crate::source::{RemoteError, SourceError, Telemetry, rds_answer};
use futures::future::BoxFuture;

/// The namespace and row dimension of a pane whose rows are DB instances.
pub const NAMESPACE: &str = "AWS/RDS";
pub const ROW_DIMENSION: &str = "DBInstanceIdentifier";

fn read(db: &aws_sdk_rds::types::DbInstance) -> Option<DbInstance> {
    let gib = |v: Option<i32>| v.and_then(|g| u32::try_from(g).ok());
    Some(DbInstance {
        id: db.db_instance_identifier()?.to_string(),
        status: db.db_instance_status().unwrap_or_default().to_string(),
        engine: db.engine().map(str::to_string),
        storage_type: db.storage_type().map(str::to_string),
        allocated_gib: gib(db.allocated_storage()),
        max_allocated_gib: gib(db.max_allocated_storage()),
        pending_allocated_gib: gib(db.pending_modified_values().and_then(|p| p.allocated_storage())),
    })
}

/// DescribeDBInstances of one instance.
pub async fn describe(client: &aws_sdk_rds::Client, id: &str) -> Result<DbInstance, SourceError> {
    let resp = client
        .describe_db_instances()
        .db_instance_identifier(id)
        .send()
        .await
        .map_err(|e| classify(&e).into_source("DescribeDBInstances", id))?;
    resp.db_instances().iter().find_map(read).filter(|d| d.id == id).ok_or_else(|| SourceError::Failed {
        operation: "DescribeDBInstances".into(),
        resource: id.into(),
        message: "the answer describes no such instance".into(),
    })
}

/// ModifyDBInstance: AllocatedStorage to `allocated_gib` (and MaxAllocatedStorage when set),
/// ApplyImmediately. DescribeDBInstances first: what RDS would refuse (an instance not
/// available, a change already pending, a decrease, less than 10 % more) is refused here
/// before any change is asked for, with the same reason the confirmation gave.
pub async fn modify_storage(
    client: &aws_sdk_rds::Client,
    id: &str,
    allocated_gib: u32,
    max_allocated_gib: Option<u32>,
) -> Result<String, RemoteError> {
    check_db_instance_id(id).map_err(RemoteError::Refused)?;
    let now = describe(client, id)
        .await
        .map_err(|e| RemoteError::Failed { operation: "ModifyDBInstance".into(), message: e.to_string() })?;
    let refuse =
        |why: String| Err(RemoteError::Refused(format!("ModifyDBInstance {id}: {why}; nothing changed")));
    if !matches!(now.status.as_str(), "available" | "storage-full") {
        return refuse(format!("the instance is {:?}, not available", now.status));
    }
    if let Some(p) = now.pending_allocated_gib {
        return refuse(format!("a storage change to {p} GiB is already pending"));
    }
    let Some(before) = now.allocated_gib else {
        return refuse("DescribeDBInstances gave no AllocatedStorage".into());
    };
    if u64::from(allocated_gib) * 10 < u64::from(before) * 11 {
        return refuse(format!(
            "{allocated_gib} GiB is not at least 10% more than the {before} GiB allocated (storage only grows)"
        ));
    }
    let (Ok(size), Ok(max)) =
        (i32::try_from(allocated_gib), max_allocated_gib.map(i32::try_from).transpose())
    else {
        return refuse(format!("{allocated_gib} GiB is beyond what RDS takes"));
    };
    let resp = client
        .modify_db_instance()
        .db_instance_identifier(id)
        .allocated_storage(size)
        .set_max_allocated_storage(max)
        .apply_immediately(true)
        .send()
        .await
        .map_err(|e| classify(&e).into_remote("ModifyDBInstance", id))?;
    match resp.db_instance().and_then(read) {
        Some(db) => Ok(rds_answer("ModifyDBInstance", &db)),
        None => Ok(format!("ModifyDBInstance {id}: accepted (the answer describes no instance)")),
    }
}

/// DescribeDBInstances of the instances the RDS panes name: each exact row name by its id
/// (IAM on that instance's ARN), and, when a row is a pattern, one listing (paged, 100 a page)
/// matched against it.
pub struct DbInstancesReader {
    client: aws_sdk_rds::Client,
    names: NameSet,
    label: String,
}

impl DbInstancesReader {
    pub fn new(client: aws_sdk_rds::Client, panes: &[crate::model::PaneDef], label: String) -> Self {
        let rows: Vec<String> = panes
            .iter()
            .filter(|p| p.namespace == NAMESPACE && p.row_dimension == ROW_DIMENSION)
            .flat_map(|p| p.rows.iter().cloned())
            .collect();
        DbInstancesReader { client, names: NameSet::parse(&rows), label }
    }

    /// Whether any pane shows DB instances (else the part does not run).
    pub fn wanted(panes: &[crate::model::PaneDef]) -> bool {
        panes.iter().any(|p| p.namespace == NAMESPACE && p.row_dimension == ROW_DIMENSION)
    }

    pub async fn read(&self) -> Result<Vec<DbInstance>, SourceError> {
        let mut out = Vec::new();
        for id in self.names.exact_names() {
            if check_db_instance_id(id).is_err() {
                continue;
            }
            out.push(describe(&self.client, id).await?);
        }
        if self.names.needs_discovery() {
            let mut pages = self.client.describe_db_instances().max_records(100).into_paginator().send();
            while let Some(page) = pages.next().await {
                let page = page.map_err(|e| classify(&e).into_source("DescribeDBInstances", "*"))?;
                for db in page.db_instances().iter().filter_map(read) {
                    if self.names.matches(&db.id) && !out.iter().any(|d: &DbInstance| d.id == db.id) {
                        out.push(db);
                    }
                }
            }
        }
        out.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(out)
    }
}

impl Telemetry for DbInstancesReader {
    fn describe(&self) -> String {
        self.label.clone()
    }

    fn collect(&mut self) -> BoxFuture<'_, Result<Snapshot, SourceError>> {
        Box::pin(async move {
            let db_instances = self.read().await?;
            Ok(Snapshot {
                taken_at: Timestamp::now(),
                source: self.label.clone(),
                db_instances,
                ..Default::default()
            })
        })
    }
}
