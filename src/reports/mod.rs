//! Client reports: the figures of a period gathered from the store, laid out as a PDF with
//! vector charts and as an email, under the workspace's branding.

pub mod charts;
pub mod email;
pub mod figures;
pub mod format;
pub mod gather;
pub mod layout;

pub use figures::{Figures, LocationFigures, Notable, Report};
