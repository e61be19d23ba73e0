//! Operating the appliance: periodic housekeeping (and later backups and restores).

pub mod housekeeping;
