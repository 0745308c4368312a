//! The production report: one self-contained HTML page (pictures and sound linked beside it) with the script next
//! to its shots' stills, the footage each shot was cut from and why it won, the voices, face swaps, the brief's
//! checks and the time each stage took. Pure: the caller gathers the facts and writes the page.

use std::fmt::Write;

/// Everything the page shows.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub name: String,
    pub title: String,
    /// The film's file name, beside the page.
    pub film: String,
    pub film_s: f64,
    /// The screenplay, as written (Fountain).
    pub script: String,
    pub disclosure: String,
    pub shots: Vec<ReportShot>,
    /// Brief constraints: name, met, detail.
    pub checks: Vec<(String, bool, String)>,
    pub stages: Vec<StageTime>,
    /// Other files beside the page: subtitles, exports, the storyboard.
    pub files: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct ReportShot {
    pub position: usize,
    pub scene: usize,
    pub kind: String,
    pub character: Option<String>,
    pub text: String,
    pub start_s: f64,
    pub duration_s: f64,
    /// The still, relative to the page.
    pub still: Option<String>,
    pub footage: Option<Footage>,
    pub voice: Option<VoiceLine>,
    /// The face swap in this shot, if any.
    pub swap: Option<FaceSwap>,
}

/// A shot's face swap: what it did, and the shot's still before it (the rough cut's), beside the still after.
#[derive(Debug, Clone, Default)]
pub struct FaceSwap {
    /// The rough cut's still, relative to the page.
    pub before: Option<String>,
    /// "carphone as H: 40 of 52 pictures, 11.3 frames/s".
    pub summary: String,
}

#[derive(Debug, Clone, Default)]
pub struct Footage {
    pub source: String,
    pub start_s: f64,
    pub score: f64,
    pub query: String,
    /// Archive shot, score, why; best first.
    pub candidates: Vec<(i64, f64, String)>,
}

#[derive(Debug, Clone, Default)]
pub struct VoiceLine {
    pub spec: String,
    /// The WAV, relative to the page.
    pub wav: String,
    pub duration_s: f64,
}

#[derive(Debug, Clone, Default)]
pub struct StageTime {
    pub stage: String,
    pub jobs: i64,
    /// Sum of the jobs' run times.
    pub busy_s: f64,
    /// From the first job's start to the last one's end.
    pub span_s: f64,
}

const STYLE: &str = "body{font-family:DejaVu Sans,sans-serif;background:#111;color:#ddd;margin:24px;max-width:1500px}
h1{margin:0 0 4px}h2{border-bottom:1px solid #444;padding-bottom:4px;margin-top:32px}a{color:#8cf}
.sub{color:#999}.ok{color:#7d7}.fail{color:#f77}table{border-collapse:collapse}td,th{padding:3px 10px;text-align:left;
border-bottom:1px solid #333}.cols{display:grid;grid-template-columns:minmax(280px,1fr) 2fr;gap:24px}
pre{white-space:pre-wrap;background:#1a1a1a;padding:12px;font-size:13px;line-height:1.35}
.shot{display:grid;grid-template-columns:240px 1fr;gap:12px;padding:10px 0;border-bottom:1px solid #2a2a2a}
.shot img{width:240px;border:1px solid #333}.kind{font-weight:bold}.why{color:#999;font-size:12px}
.disclosure{background:#2a2200;border-left:4px solid #fc3;padding:8px 12px}audio{height:28px;width:100%}";

/// The report as an HTML page.
pub fn html(r: &Report) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{} - reel report</title>\
         <style>{STYLE}</style></head><body>",
        esc(&r.title)
    );
    let _ = write!(
        out,
        "<h1>{}</h1><div class=\"sub\">production <b>{}</b> &middot; {} &middot; {} shots &middot; \
         <a href=\"{}\">{}</a></div>",
        esc(&r.title),
        esc(&r.name),
        clock(r.film_s),
        r.shots.len(),
        esc(&r.film),
        esc(&r.film)
    );
    let _ = write!(out, "<p class=\"disclosure\">{}</p>", esc(&r.disclosure));
    let _ = write!(out, "<video controls preload=\"metadata\" width=\"640\" src=\"{}\"></video>", esc(&r.film));
    if !r.checks.is_empty() {
        out.push_str("<h2>Brief</h2><table>");
        for (name, ok, detail) in &r.checks {
            let (class, word) = if *ok { ("ok", "met") } else { ("fail", "NOT MET") };
            let _ =
                write!(out, "<tr><td>{}</td><td class=\"{class}\">{word}</td><td>{}</td></tr>", esc(name), esc(detail));
        }
        out.push_str("</table>");
    }
    out.push_str("<h2>Script and shots</h2><div class=\"cols\"><div><pre>");
    out.push_str(&esc(&r.script));
    out.push_str("</pre></div><div>");
    for s in &r.shots {
        shot(&mut out, s);
    }
    out.push_str("</div></div>");
    if !r.stages.is_empty() {
        out.push_str(
            "<h2>Time per stage</h2><table><tr><th>stage</th><th>jobs</th><th>job time</th><th>wall time</th></tr>",
        );
        for t in &r.stages {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{:.1} s</td><td>{:.1} s</td></tr>",
                esc(&t.stage),
                t.jobs,
                t.busy_s,
                t.span_s
            );
        }
        out.push_str("</table>");
    }
    if !r.files.is_empty() {
        out.push_str("<h2>Files</h2><p>");
        let links: Vec<String> = r.files.iter().map(|f| format!("<a href=\"{0}\">{0}</a>", esc(f))).collect();
        out.push_str(&links.join(" &middot; "));
        out.push_str("</p>");
    }
    out.push_str("<p class=\"sub\">made with reel</p></body></html>\n");
    out
}

fn shot(out: &mut String, s: &ReportShot) {
    let _ = write!(out, "<div class=\"shot\" id=\"shot-{}\"><div>", s.position);
    if let Some(still) = &s.still {
        let _ = write!(out, "<img src=\"{}\" alt=\"shot {}\">", esc(still), s.position);
    }
    if let Some(before) = s.swap.as_ref().and_then(|f| f.before.as_ref()) {
        let _ = write!(out, "<img src=\"{}\" alt=\"shot {} before the face swap\">", esc(before), s.position);
    }
    let who = s.character.as_deref().map(|c| format!(" &middot; {}", esc(c))).unwrap_or_default();
    let _ = write!(
        out,
        "</div><div><div><span class=\"kind\">{} {}</span>{who} &middot; scene {} &middot; {} + {:.1} s</div>",
        s.position,
        esc(&s.kind),
        s.scene,
        clock(s.start_s),
        s.duration_s
    );
    if !s.text.is_empty() {
        let _ = write!(out, "<div>{}</div>", esc(&s.text));
    }
    if let Some(f) = &s.swap {
        let _ = write!(out, "<div class=\"why\">face swap: {} (before, then after)</div>", esc(&f.summary));
    }
    if let Some(v) = &s.voice {
        let _ = write!(
            out,
            "<div class=\"why\">voice {} ({:.1} s)</div><audio controls preload=\"none\" src=\"{}\"></audio>",
            esc(&v.spec),
            v.duration_s,
            esc(&v.wav)
        );
    }
    if let Some(f) = &s.footage {
        let file = f.source.rsplit('/').next().unwrap_or(&f.source);
        let _ = write!(
            out,
            "<div class=\"why\">footage <b>{}</b> from {} &middot; score {:.3} &middot; searched &ldquo;{}&rdquo;</div>",
            esc(file),
            clock(f.start_s),
            f.score,
            esc(&f.query)
        );
        if !f.candidates.is_empty() {
            out.push_str("<details><summary class=\"why\">candidates</summary><table class=\"why\">");
            for (shot, score, why) in &f.candidates {
                let _ = write!(out, "<tr><td>{shot}</td><td>{score:.3}</td><td>{}</td></tr>", esc(why));
            }
            out.push_str("</table></details>");
        }
    }
    out.push_str("</div></div>");
}

/// Escapes text for HTML content and double-quoted attributes.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `75.5` → `1:15.5`.
fn clock(s: f64) -> String {
    format!("{}:{:04.1}", (s / 60.0).floor() as u64, s % 60.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_escapes_what_it_shows_and_links_what_lies_beside_it() {
        let report = Report {
            name: "demo".into(),
            title: "<Sunspring>".into(),
            film: "demo.mp4".into(),
            film_s: 75.5,
            script: "H\nA \"line\" & more".into(),
            disclosure: "Synthetic media".into(),
            shots: vec![ReportShot {
                position: 3,
                kind: "dialogue".into(),
                character: Some("H".into()),
                text: "<b>not bold</b>".into(),
                still: Some("stills/003.jpg".into()),
                voice: Some(VoiceLine { spec: "piper:joe".into(), wav: "voices/003.wav".into(), duration_s: 2.0 }),
                footage: Some(Footage {
                    source: "/x/bbb.mp4".into(),
                    candidates: vec![(7, 0.9, "rank 0".into())],
                    ..Footage::default()
                }),
                ..ReportShot::default()
            }],
            checks: vec![("line_spoken".into(), false, "nobody says it".into())],
            ..Report::default()
        };
        let page = html(&report);
        assert!(page.contains("<h1>&lt;Sunspring&gt;</h1>"));
        assert!(page.contains("&lt;b&gt;not bold&lt;/b&gt;") && !page.contains("<b>not bold</b>"));
        assert!(page.contains("A &quot;line&quot; &amp; more"));
        assert!(page.contains("src=\"stills/003.jpg\"") && page.contains("src=\"voices/003.wav\""));
        assert!(page.contains("1:15.5") && page.contains("NOT MET") && page.contains("<b>bbb.mp4</b>"));
        assert!(page.trim_end().ends_with("</html>"));
    }
}
