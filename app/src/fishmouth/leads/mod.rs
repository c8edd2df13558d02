//! Leads: bought from a scan in one transaction against the wallet, never twice for the
//! same parcel; then worked through the pipeline with notes, and refunded within 48 hours
//! when the contact is invalid or the lead a duplicate. Their queries are in
//! `fishmouth/store.rs`.

#[cfg(feature = "ssr")]
mod export;
mod pages;
mod pipeline;
mod purchase;

#[cfg(feature = "ssr")]
pub use export::export_csv;
pub use pages::{LeadPage, LeadsPage};
pub use pipeline::{
    AddNote, LeadDetail, LeadRow, LeadsPageData, ListLeads, LoadLead, SetStage, add_note, list_leads, load_lead,
    set_stage,
};
pub use purchase::{BuyLeads, buy_leads};
