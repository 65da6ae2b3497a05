//! Writing a campaign's reports into a folder, and reading a JSON report back (for
//! `merge`). Each file is written to a temporary file beside it and renamed into
//! place, so a reader (a CI upload, a browser) never sees half a report. Every error
//! is one line that names the path, for the CLI to print before it exits with 2.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use thiserror::Error;

use crate::campaign::{CampaignReport, FORMAT_VERSION};
use crate::{html, junit, markdown};

/// A report format, as `--format` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Format {
    Json,
    Junit,
    Markdown,
    Html,
}

impl Format {
    pub const ALL: [Format; 4] = [Format::Json, Format::Junit, Format::Markdown, Format::Html];

    /// The name `--format` accepts.
    pub fn name(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Junit => "junit",
            Format::Markdown => "markdown",
            Format::Html => "html",
        }
    }

    /// The file this format is written to, inside the report folder.
    pub fn file_name(self) -> &'static str {
        match self {
            Format::Json => "lockstep-report.json",
            Format::Junit => "junit.xml",
            Format::Markdown => "summary.md",
            Format::Html => "report.html",
        }
    }

    /// Formats from a comma-separated list (`json,html`, or `all`), in the order
    /// given, without duplicates.
    pub fn parse_list(list: &str) -> Result<Vec<Format>, ReportError> {
        let mut formats = Vec::new();
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let parsed = if name == "all" { Format::ALL.to_vec() } else { vec![name.parse()?] };
            for f in parsed {
                if !formats.contains(&f) {
                    formats.push(f);
                }
            }
        }
        Ok(formats)
    }
}

impl FromStr for Format {
    type Err = ReportError;

    fn from_str(name: &str) -> Result<Format, ReportError> {
        match name {
            "json" => Ok(Format::Json),
            "junit" | "xml" => Ok(Format::Junit),
            "markdown" | "md" => Ok(Format::Markdown),
            "html" => Ok(Format::Html),
            _ => Err(ReportError::UnknownFormat(name.to_string())),
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a report could not be written or read.
#[derive(Debug, Error)]
pub enum ReportError {
    #[error("unknown report format '{0}' (known: json, junit, markdown, html, all)")]
    UnknownFormat(String),
    #[error("cannot write report to {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    #[error("cannot read report {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path} is not a lockstep JSON report: {source}")]
    Corrupt { path: PathBuf, source: serde_json::Error },
    #[error(
        "{path} has report format version {found}; this lockstep reads version {FORMAT_VERSION} (use the lockstep that wrote it)"
    )]
    UnsupportedVersion { path: PathBuf, found: u64 },
    #[error("cannot render the JUnit report: {0}")]
    Junit(#[from] junit::SerializeError),
}

/// Renders `report` in one format.
pub fn render(report: &CampaignReport, format: Format) -> Result<String, ReportError> {
    Ok(match format {
        Format::Json => {
            let mut json = serde_json::to_string_pretty(report).expect("a report always serialises");
            json.push('\n');
            json
        }
        Format::Junit => junit::render(report)?,
        Format::Markdown => markdown::render(report),
        Format::Html => html::render(report),
    })
}

/// Writes `report` into `dir` (created if missing) in each of `formats`, each file
/// atomically. Returns the paths written, in the order of `formats`.
pub fn write_report(report: &CampaignReport, dir: &Path, formats: &[Format]) -> Result<Vec<PathBuf>, ReportError> {
    std::fs::create_dir_all(dir).map_err(|source| ReportError::Write { path: dir.to_path_buf(), source })?;
    let mut written = Vec::with_capacity(formats.len());
    for format in formats {
        let path = dir.join(format.file_name());
        write_atomically(&path, render(report, *format)?.as_bytes())?;
        written.push(path);
    }
    Ok(written)
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    let error = |source| ReportError::Write { path: path.to_path_buf(), source };
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut file = temp_file_builder().tempfile_in(dir).map_err(error)?;
    file.write_all(bytes).map_err(error)?;
    file.as_file().sync_all().map_err(error)?;
    file.persist(path).map_err(|e| error(e.error))?;
    Ok(())
}

/// Temporary files are private by default; a report is for everyone who can read
/// the folder, like any file the user creates (0o666 less the umask).
fn temp_file_builder() -> tempfile::Builder<'static, 'static> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(".lockstep-report-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    builder
}

/// Reads a JSON report written by [`write_report`] (the file, or the folder it is in).
pub fn read_report(path: &Path) -> Result<CampaignReport, ReportError> {
    let path = if path.is_dir() { path.join(Format::Json.file_name()) } else { path.to_path_buf() };
    let text = std::fs::read_to_string(&path).map_err(|source| ReportError::Read { path: path.clone(), source })?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|source| ReportError::Corrupt { path: path.clone(), source })?;
    // The version first: a newer report may not even parse as this one.
    if let Some(found) = value.get("format_version").and_then(serde_json::Value::as_u64) {
        if found != u64::from(FORMAT_VERSION) {
            return Err(ReportError::UnsupportedVersion { path, found });
        }
    }
    serde_json::from_value(value).map_err(|source| ReportError::Corrupt { path, source })
}
