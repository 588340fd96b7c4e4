//! The owner's imports: upload an IT Glue export, watch it run in the
//! background, read its report.

use askama::Template;
use cairn_app::{AppError, ImportJob, ImportReport, ImportSkipped, Reason};
use poem::http::StatusCode;
use poem::web::{Multipart, Path};
use poem::{IntoResponse, Request, Response, handler};

use crate::error::{WebResult, not_found};
use crate::extract::{AppData, Signed};
use crate::flow::see_other;
use crate::page::{Frame, render};

/// A job as the pages show it.
struct JobRow {
    id: String,
    started: String,
    file_name: String,
    status: &'static str,
    phase: String,
    rows: i64,
}

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    frame: Frame,
    jobs: Vec<JobRow>,
    running: bool,
    error: String,
}

#[derive(Template)]
#[template(path = "import_job.html")]
struct JobPage {
    frame: Frame,
    job: JobRow,
    running: bool,
    error: String,
    summary: String,
    lists: Vec<(&'static str, Vec<ImportSkipped>)>,
}

fn row(frame: &Frame, job: &ImportJob) -> JobRow {
    let t = frame.t;
    JobRow {
        id: job.id.clone(),
        started: frame.time(&job.created_at),
        file_name: job.file_name.clone(),
        status: match job.status.as_str() {
            "queued" => t.import_status_queued,
            "running" => t.import_status_running,
            "done" => t.import_status_done,
            _ => t.import_status_failed,
        },
        phase: job.phase.clone(),
        rows: job.rows_done,
    }
}

fn is_running(job: &ImportJob) -> bool {
    matches!(job.status.as_str(), "queued" | "running")
}

/// While an import runs, the page asks the browser to load it again.
fn refreshing(response: Response, running: bool) -> Response {
    if running { response.with_header("Refresh", "3").into_response() } else { response }
}

async fn page(req: &Request, app: &cairn_app::App, signed: &Signed, error: Option<String>) -> WebResult<Response> {
    let jobs = app.import_jobs(&signed.caller).await?;
    let frame = Frame::for_request(req);
    let running = jobs.iter().any(is_running);
    let jobs = jobs.iter().map(|j| row(&frame, j)).collect();
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let response = render(status, &ImportPage { frame, jobs, running, error: error.unwrap_or_default() });
    Ok(refreshing(response, running))
}

/// `GET /settings/import`.
#[handler]
pub async fn list(req: &Request, app: AppData<'_>, signed: Signed) -> WebResult<Response> {
    page(req, &app, &signed, None).await
}

/// `POST /settings/import`: the export is written to the imports folder as
/// it arrives (never held in memory), then imported in the background.
#[handler]
pub async fn start(req: &Request, app: AppData<'_>, signed: Signed, mut parts: Multipart) -> WebResult<Response> {
    if !app.may_import(&signed.caller) {
        return Err(not_found());
    }
    let t = Frame::for_request(req).t;
    let bad = |why: &str| AppError::invalid("export", Reason::Text(why.to_owned()));
    let mut upload = None;
    while let Some(part) = parts.next_field().await.map_err(|_| bad("the upload could not be read"))? {
        if part.name() != Some("export") {
            continue;
        }
        let name = part.file_name().unwrap_or("export.zip").to_owned();
        let mut spool = app.import_upload()?;
        let mut stream = part.into_async_read();
        let mut chunk = vec![0u8; 256 * 1024];
        loop {
            let n = tokio::io::AsyncReadExt::read(&mut stream, &mut chunk)
                .await
                .map_err(|_| bad("the upload could not be read"))?;
            if n == 0 {
                break;
            }
            spool.write(&chunk[..n]).await?;
        }
        upload = Some((name, spool));
    }
    let Some((name, spool)) = upload else {
        return page(req, &app, &signed, Some(t.field_invalid.to_owned())).await;
    };
    match app.start_import(&signed.caller, &name, spool).await {
        Ok(job) => Ok(see_other(&format!("/settings/import/{}", job.id))),
        Err(AppError::Invalid { reason: Reason::Text(text), .. }) => page(req, &app, &signed, Some(text)).await,
        Err(error) => Err(error.into()),
    }
}

/// `GET /settings/import/{id}`: progress, then the summary and every
/// skipped row.
#[handler]
pub async fn show(req: &Request, app: AppData<'_>, signed: Signed, Path(id): Path<String>) -> WebResult<Response> {
    let job = app.import_job(&signed.caller, &id).await?;
    let frame = Frame::for_request(req);
    let running = is_running(&job);
    let report: Option<ImportReport> = job.report.as_deref().and_then(|r| serde_json::from_str(r).ok());
    let (summary, lists) = match report {
        Some(report) => {
            let t = frame.t;
            (report.summary(), vec![(t.import_skipped, report.skipped), (t.import_warnings, report.warnings)])
        }
        None => (String::new(), Vec::new()),
    };
    let page = JobPage {
        job: row(&frame, &job),
        frame,
        running,
        error: job.error.clone().unwrap_or_default(),
        summary,
        lists,
    };
    Ok(refreshing(render(StatusCode::OK, &page), running))
}

/// `GET /settings/import/{id}/report.json`: the report as the command line writes it.
#[handler]
pub async fn report_json(app: AppData<'_>, signed: Signed, Path(id): Path<String>) -> WebResult<Response> {
    let job = app.import_job(&signed.caller, &id).await?;
    let report = job.report.ok_or_else(not_found)?;
    Ok(Response::builder()
        .content_type("application/json")
        .header("Content-Disposition", "attachment; filename=\"import-report.json\"")
        .body(report))
}
