//! The three collections memory keeps, the payload fields each one filters on, and how they are
//! brought to the configured layout on start: created when missing, payload indexes added when
//! missing, and rebuilt (every point re-vectorised from its stored text) when the dense vector
//! was added, removed or changed length.

use super::bm25::Bm25;
use super::embed::Embedder;
use super::store::{
    Access, CollectionSpec, FieldKind, Filter, Point, ScopedFilter, VectorStore, KEY_FIELD, OWNER_FIELD, TEXT_FIELD,
};
use super::MemoryError;

/// One collection's name, BM25 length normalisation and filtered fields.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CollectionDef {
    pub name: &'static str,
    pub bm25: Bm25,
    pub fields: &'static [(&'static str, FieldKind)],
}

impl CollectionDef {
    pub fn spec(&self, dense_size: Option<usize>) -> CollectionSpec {
        CollectionSpec::new(self.name, dense_size, self.fields)
    }
}

/// Playbook passages, one per Markdown section; owned by the organisation.
pub const PLAYBOOK: CollectionDef = CollectionDef {
    name: "playbook",
    bm25: Bm25 { average_terms: 90.0 },
    fields: &[("doc", FieldKind::Keyword), ("topic", FieldKind::Keyword)],
};

/// Delivered coaching, one point per deal a draft discussed, with what followed.
pub const COACHING: CollectionDef = CollectionDef {
    name: "coaching",
    bm25: Bm25 { average_terms: 60.0 },
    fields: &[
        ("recipient", FieldKind::Keyword),
        ("draft_id", FieldKind::Keyword),
        ("kind", FieldKind::Keyword),
        ("deal_id", FieldKind::Keyword),
        ("outcome", FieldKind::Keyword),
        ("delivered_day", FieldKind::Integer),
    ],
};

/// Narratives of closed deals built from the engine's features, for "similar won deals".
pub const DEAL_NARRATIVES: CollectionDef = CollectionDef {
    name: "deal_narratives",
    bm25: Bm25 { average_terms: 50.0 },
    fields: &[
        ("deal_id", FieldKind::Keyword),
        ("status", FieldKind::Keyword),
        ("segment", FieldKind::Keyword),
        ("closed_day", FieldKind::Integer),
    ],
};

pub const ALL: [CollectionDef; 3] = [PLAYBOOK, COACHING, DEAL_NARRATIVES];

/// What start-up did to one collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ensured {
    Created,
    Unchanged {
        points: usize,
    },
    /// The vector layout changed; every point was re-vectorised from its stored text.
    Rebuilt {
        points: usize,
        from_dense: Option<usize>,
        to_dense: Option<usize>,
    },
}

/// Brings `def` to the layout `dense_size` asks for.
pub async fn ensure<S: VectorStore>(
    store: &S,
    embedder: &Embedder,
    def: &CollectionDef,
    dense_size: Option<usize>,
) -> Result<Ensured, MemoryError> {
    let spec = def.spec(dense_size);
    let outcome = match store.layout(def.name).await? {
        None => {
            store.create_collection(&spec).await?;
            Ensured::Created
        }
        Some(layout) if layout.dense_size == dense_size => {
            Ensured::Unchanged { points: store.count(def.name, &everything()).await? }
        }
        Some(layout) => {
            let points = rebuild(store, embedder, def, &spec).await?;
            tracing::info!(
                collection = def.name,
                points,
                from = ?layout.dense_size,
                to = ?dense_size,
                "vector layout changed; collection rebuilt from stored text"
            );
            Ensured::Rebuilt { points, from_dense: layout.dense_size, to_dense: dense_size }
        }
    };
    store.ensure_indexes(&spec).await?;
    Ok(outcome)
}

fn everything() -> ScopedFilter {
    ScopedFilter::new(Access::Organisation, Filter::default())
}

/// Reads every point, recreates the collection and writes the points back with new vectors.
async fn rebuild<S: VectorStore>(
    store: &S,
    embedder: &Embedder,
    def: &CollectionDef,
    spec: &CollectionSpec,
) -> Result<usize, MemoryError> {
    let records = store.scroll(def.name, &everything(), usize::MAX).await?;
    let texts: Vec<String> = records.iter().map(|r| r.str_field(TEXT_FIELD).unwrap_or_default().to_owned()).collect();
    // Vectorise before dropping anything, so a failing endpoint leaves the old collection intact.
    let vectors = embedder.documents(def.bm25, &texts).await?;
    store.drop_collection(def.name).await?;
    store.create_collection(spec).await?;
    let count = records.len();
    let points: Vec<Point> = records
        .into_iter()
        .zip(vectors)
        .map(|(record, vectors)| {
            let key = record.str_field(KEY_FIELD).unwrap_or(&record.id).to_owned();
            let owner = record.str_field(OWNER_FIELD).unwrap_or_default().to_owned();
            Point::new(def.name, &key, &owner, vectors, record.payload)
        })
        .collect();
    store.upsert(def.name, points).await?;
    Ok(count)
}
