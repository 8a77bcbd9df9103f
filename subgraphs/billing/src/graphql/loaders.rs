//! DataLoaders: charges per job and per deployment and deployment estimates (scoped to the
//! asking account), and invoice lines, in batches.

use crate::{
    BillingDeps,
    commands::budgets::estimate_micros,
    db::{self, rows::InvoiceLineRow},
};
use async_graphql::dataloader::Loader;
use chrono::Utc;
use mediamagic_kit::ApiError;
use std::{
    collections::{BTreeSet, HashMap},
    sync::Arc,
};
use uuid::Uuid;

type LoadError = Arc<ApiError>;

/// A loader failure as a client error (its own code; internal detail goes to the log).
pub(crate) fn load_failed(err: LoadError) -> ApiError {
    ApiError::from_shared(&err, "loading")
}

/// What is charged: a job or a deployment, as one account asks for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Charged {
    /// `(account, job)`.
    Job(Uuid, Uuid),
    /// `(account, deployment)`.
    Deployment(Uuid, Uuid),
}

/// Micro-units charged to the account for a job or deployment (absent: nothing yet).
pub struct CostLoader(pub BillingDeps);
/// A deployment's estimated micro-units (absent: unknown runtime or not the account's).
pub struct EstimateLoader(pub BillingDeps);
/// The lines of an invoice, in order.
pub struct InvoiceLinesLoader(pub BillingDeps);

impl Loader<Charged> for CostLoader {
    type Value = i64;
    type Error = LoadError;
    async fn load(&self, keys: &[Charged]) -> Result<HashMap<Charged, i64>, LoadError> {
        let mut conn = self.0.pool.get().await.map_err(ApiError::from)?;
        let accounts: BTreeSet<Uuid> = keys
            .iter()
            .map(|k| match k {
                Charged::Job(a, _) | Charged::Deployment(a, _) => *a,
            })
            .collect();
        let mut found = HashMap::new();
        for account in accounts {
            let jobs: Vec<Uuid> = keys
                .iter()
                .filter_map(|k| match k {
                    Charged::Job(a, j) if *a == account => Some(*j),
                    _ => None,
                })
                .collect();
            let deployments: Vec<Uuid> = keys
                .iter()
                .filter_map(|k| match k {
                    Charged::Deployment(a, d) if *a == account => Some(*d),
                    _ => None,
                })
                .collect();
            if !jobs.is_empty() {
                for row in db::usage::by_jobs(&mut conn, account, &jobs)
                    .await
                    .map_err(ApiError::from)?
                {
                    found.insert(Charged::Job(account, row.key), row.micros);
                }
            }
            if !deployments.is_empty() {
                for row in db::usage::by_deployments(&mut conn, account, &deployments)
                    .await
                    .map_err(ApiError::from)?
                {
                    found.insert(Charged::Deployment(account, row.key), row.micros);
                }
            }
        }
        Ok(found)
    }
}

impl Loader<(Uuid, Uuid)> for EstimateLoader {
    type Value = i64;
    type Error = LoadError;
    async fn load(&self, keys: &[(Uuid, Uuid)]) -> Result<HashMap<(Uuid, Uuid), i64>, LoadError> {
        let mut conn = self.0.pool.get().await.map_err(ApiError::from)?;
        let now = Utc::now();
        let accounts: BTreeSet<Uuid> = keys.iter().map(|k| k.0).collect();
        let mut found = HashMap::new();
        for account in accounts {
            let ids: Vec<Uuid> = keys
                .iter()
                .filter(|k| k.0 == account)
                .map(|k| k.1)
                .collect();
            let sources = db::sources::deployments(&mut conn, account, &ids)
                .await
                .map_err(ApiError::from)?;
            for source in sources {
                if let Some(micros) = estimate_micros(
                    &mut conn,
                    &source.machine_type,
                    source.machine_count,
                    source.expected_seconds,
                    now,
                )
                .await?
                {
                    found.insert((account, source.id), micros);
                }
            }
        }
        Ok(found)
    }
}

impl Loader<Uuid> for InvoiceLinesLoader {
    type Value = Vec<InvoiceLineRow>;
    type Error = LoadError;
    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Vec<InvoiceLineRow>>, LoadError> {
        let mut conn = self.0.pool.get().await.map_err(ApiError::from)?;
        let mut by_invoice: HashMap<Uuid, Vec<InvoiceLineRow>> = HashMap::new();
        for line in db::invoices::lines_of(&mut conn, keys)
            .await
            .map_err(ApiError::from)?
        {
            by_invoice.entry(line.invoice_id).or_default().push(line);
        }
        Ok(by_invoice)
    }
}
