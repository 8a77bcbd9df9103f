//! Database rows (columns are described in the migration).
#![allow(missing_docs)]

use super::schema::{budget_alerts, budgets, invoice_lines, invoices, prices, usage_lines};
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use uuid::Uuid;

/// A row of `billing.prices`.
#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = prices)]
pub struct PriceRow {
    pub id: Uuid,
    pub item: String,
    pub amount: i64,
    pub effective_from: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

/// A row of `billing.usage_lines`.
#[derive(Clone, Debug, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = usage_lines)]
pub struct UsageLineRow {
    pub id: Uuid,
    pub account_id: Uuid,
    pub period_start: NaiveDate,
    pub kind: String,
    pub job_id: Option<Uuid>,
    pub attempt: Option<i32>,
    pub deployment_id: Option<Uuid>,
    pub model_name: Option<String>,
    pub machine_type: Option<String>,
    pub machine_count: Option<i32>,
    pub outcome: Option<String>,
    pub sample_hour: Option<DateTime<Utc>>,
    pub started_at: DateTime<Utc>,
    pub ended_at: DateTime<Utc>,
    pub quantity: i64,
    pub amount_micros: i64,
}

/// A row of `billing.invoices`.
#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = invoices)]
pub struct InvoiceRow {
    pub id: Uuid,
    pub account_id: Uuid,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub currency: String,
    pub subtotal: i64,
    pub allowance: i64,
    pub total: i64,
    pub closed_at: DateTime<Utc>,
}

/// A row of `billing.invoice_lines`.
#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = invoice_lines)]
pub struct InvoiceLineRow {
    pub invoice_id: Uuid,
    pub position: i32,
    pub kind: String,
    pub description: String,
    pub machine_type: Option<String>,
    pub quantity: i64,
    pub amount: i64,
}

/// A row of `billing.budgets`.
#[derive(Clone, Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = budgets)]
pub struct BudgetRow {
    pub account_id: Uuid,
    pub monthly_limit: i64,
    pub hard: bool,
    pub updated_at: DateTime<Utc>,
}

/// A row of `billing.budget_alerts`.
#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = budget_alerts)]
pub struct BudgetAlertRow {
    pub account_id: Uuid,
    pub period_start: NaiveDate,
    pub monthly_limit: i64,
    pub spent: i64,
    pub hard: bool,
    pub created_at: DateTime<Utc>,
}
