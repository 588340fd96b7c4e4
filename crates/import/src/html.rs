//! HTML (documents, quick notes) to Markdown, without anything active.
//!
//! Scripts, styles, frames, embedded objects, event-handler attributes and
//! `javascript:` links are dropped, and the caller is told so. Images are
//! handed to the caller, which stores them and answers the URL the
//! Markdown should show (or `None` when the image is not there).

use std::rc::Rc;

use base64::Engine as _;
use html5ever::tendril::StrTendril;
use markup5ever_rcdom::{Node, NodeData};

/// An image a page shows.
#[derive(Debug)]
pub enum Image {
    /// A file, by its path relative to the HTML file (`src`, or the
    /// full-size `data-src-original` when there is one).
    File(String),
    /// An image embedded in a `data:` URI, decoded.
    Embedded(Vec<u8>),
    /// A `data:` URI that could not be decoded.
    Broken,
}

/// A converted page.
#[derive(Debug, Default)]
pub struct Converted {
    /// The Markdown.
    pub markdown: String,
    /// Whether something active (script, handler, frame, `javascript:`) was dropped.
    pub active_content_removed: bool,
}

/// Elements that never survive, with what is inside them.
const DROPPED: &[&str] = &[
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "noscript", "template", "title", "meta",
    "head",
];
/// Of those, the ones that are active content (worth telling the user).
const ACTIVE: &[&str] = &["script", "iframe", "frame", "frameset", "object", "embed"];

/// Converts `html` to Markdown; `image` is called for every image and link
/// target that is a file of the export or a `data:` image.
pub fn to_markdown(html: &str, image: &mut dyn FnMut(Image) -> Option<String>) -> Converted {
    let converter = htmd::HtmlToMarkdown::builder().skip_tags(DROPPED.to_vec()).build();
    let Ok(tree) = converter.html_to_tree(html) else {
        return Converted::default();
    };
    let mut active = false;
    clean(&tree, image, &mut active);
    let markdown = converter.tree_to_markdown(&tree).replace('\u{a0}', " ");
    Converted { markdown, active_content_removed: active }
}

fn clean(node: &Rc<Node>, image: &mut dyn FnMut(Image) -> Option<String>, active: &mut bool) {
    if let NodeData::Element { name, attrs, .. } = &node.data {
        let tag = name.local.as_ref();
        if ACTIVE.contains(&tag) {
            *active = true;
            return;
        }
        let mut attrs = attrs.borrow_mut();
        let before = attrs.len();
        attrs.retain(|a| !a.name.local.as_ref().to_ascii_lowercase().starts_with("on"));
        if attrs.len() != before {
            *active = true;
        }
        let value = |attrs: &Vec<html5ever::Attribute>, key: &str| {
            attrs.iter().find(|a| a.name.local.as_ref() == key).map(|a| a.value.to_string())
        };
        match tag {
            "img" => {
                let wanted = value(&attrs, "data-src-original").or_else(|| value(&attrs, "src")).unwrap_or_default();
                let resolved = match classify(&wanted) {
                    Target::Data => image(decode_data_uri(&wanted)),
                    Target::File => image(Image::File(wanted)),
                    Target::Remote => Some(wanted),
                    Target::Active => {
                        *active = true;
                        None
                    }
                };
                attrs.retain(|a| !matches!(a.name.local.as_ref(), "src" | "data-src-original"));
                if let Some(url) = resolved {
                    set(&mut attrs, "src", url);
                }
            }
            "a" => {
                if let Some(href) = value(&attrs, "href") {
                    match classify(&href) {
                        Target::Active | Target::Data => {
                            *active |= matches!(classify(&href), Target::Active);
                            attrs.retain(|a| a.name.local.as_ref() != "href");
                        }
                        Target::File => {
                            if let Some(url) = image(Image::File(href)) {
                                set(&mut attrs, "href", url);
                            }
                        }
                        Target::Remote => {}
                    }
                }
            }
            _ => {}
        }
    }
    for child in node.children.borrow().iter() {
        clean(child, image, active);
    }
}

fn set(attrs: &mut Vec<html5ever::Attribute>, key: &str, value: String) {
    match attrs.iter_mut().find(|a| a.name.local.as_ref() == key) {
        Some(attr) => attr.value = StrTendril::from(value),
        None => attrs.push(html5ever::Attribute {
            name: html5ever::QualName::new(None, html5ever::ns!(), html5ever::LocalName::from(key)),
            value: StrTendril::from(value),
        }),
    }
}

enum Target {
    /// A file of the export, relative to the page.
    File,
    /// A `data:` URI.
    Data,
    /// Elsewhere (`https:`, `mailto:`, an anchor, an absolute path).
    Remote,
    /// `javascript:` or `vbscript:`.
    Active,
}

fn classify(url: &str) -> Target {
    let compact: String = url.chars().filter(|c| !c.is_whitespace() && !c.is_control()).collect();
    let lower = compact.to_ascii_lowercase();
    if lower.starts_with("javascript:") || lower.starts_with("vbscript:") {
        Target::Active
    } else if lower.starts_with("data:") {
        Target::Data
    } else if lower.is_empty() || lower.starts_with('#') || lower.starts_with('/') || lower.contains(':') {
        Target::Remote
    } else {
        Target::File
    }
}

fn decode_data_uri(uri: &str) -> Image {
    let Some((head, data)) = uri.split_once(',') else {
        return Image::Broken;
    };
    if !head.to_ascii_lowercase().ends_with(";base64") {
        return Image::Broken;
    }
    let cleaned: String = data.chars().filter(|c| !c.is_whitespace()).collect();
    match base64::engine::general_purpose::STANDARD.decode(cleaned) {
        Ok(bytes) if !bytes.is_empty() => Image::Embedded(bytes),
        _ => Image::Broken,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn active_content_goes_and_text_stays() {
        let html = "<h1>Hi</h1><script>alert(1)</script><p onclick=\"x()\">Text</p>\
                    <a href=\"javascript:alert(1)\">Go</a><iframe src=\"https://e.example\"></iframe>";
        let out = to_markdown(html, &mut |_| None);
        assert!(out.active_content_removed);
        assert!(out.markdown.contains("# Hi") && out.markdown.contains("Text") && out.markdown.contains("Go"));
        assert!(
            !out.markdown.contains("alert") && !out.markdown.contains("javascript") && !out.markdown.contains("iframe")
        );
    }

    #[test]
    fn images_are_resolved_full_size_first() {
        let html = "<p><img src=\"1/docs/2/images/3\" data-src-original=\"1/docs/2/images/4\" alt=\"Plan\">\
                    <img src=\"data:image/png;base64,iVBORw0KGgo=\" alt=\"inline\"><img src=\"gone\" alt=\"x\"></p>";
        let mut seen = Vec::new();
        let out = to_markdown(html, &mut |image| {
            let answer = match &image {
                Image::File(path) if path.ends_with('4') => Some("/a/full".to_owned()),
                Image::Embedded(_) => Some("/a/inline".to_owned()),
                _ => None,
            };
            seen.push(format!("{image:?}"));
            answer
        });
        assert!(!out.active_content_removed);
        assert!(out.markdown.contains("![Plan](/a/full)"), "{}", out.markdown);
        assert!(out.markdown.contains("![inline](/a/inline)"), "{}", out.markdown);
        assert!(!out.markdown.contains("gone"), "{}", out.markdown);
        assert_eq!(seen.len(), 3);
    }
}
