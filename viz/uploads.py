"""The planner's own city: map files uploaded in the page, saved and checked before a run uses them.

A page can take the region's maps (a GeoTIFF stack, or a SLEUTH set of GIFs, either loose or as one
``.zip``) and the three lines of territorial planning as vector files (GeoPackage, GeoJSON or a zipped
Shapefile). Each upload is saved into the session's own temporary folder (`UploadFolder`, removed
when the page closes), checked here, and handed to the scenario as the paths the library already reads
(`region.kind`, `region.path`, `region.year`, `region.cell_size_m`; `region.growth_boundary_file`,
`region.red_line_file`, `region.farmland_file`; see abm.regions). Whatever is wrong is refused in one
line that names the file, what is wrong and the fix; nothing here imports solara.

>>> refuse_kind("notes.tif", b"hello", "region")
'notes.tif is not a GeoTIFF (it starts like text): export the map as a GeoTIFF (.tif), one band per layer'
>>> refuse_kind("city.tif", b"II*\\x00rest", "red_line")
'city.tif is a raster image, not a vector layer: upload the line as GeoPackage (.gpkg), GeoJSON or a zipped Shapefile'
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Iterable

#: One upload (all its files together) may hold at most this many bytes, as sent...
MAX_UPLOAD_BYTES = 200 * 1024 * 1024
#: ...and a .zip in it at most this many once unpacked, in at most this many files.
MAX_UNZIPPED_BYTES = 1024 * 1024 * 1024
MAX_ZIP_FILES = 2000
#: The most files one upload takes (a SLEUTH set is about 20 GIFs).
MAX_FILES = 200

#: What each upload slot sets: the scenario field(s), the label the page shows, the files it accepts.
SLOTS: dict[str, tuple[str, str]] = {
    "region": ("region.path", "land-use maps"),
    "growth_boundary": ("region.growth_boundary_file", "growth boundary"),
    "red_line": ("region.red_line_file", "ecological red line"),
    "farmland": ("region.farmland_file", "permanent basic farmland"),
}
#: The scenario fields an upload points at its files (the export names them with the files uploaded).
UPLOAD_PATH_FIELDS = tuple(field for field, _ in SLOTS.values())
RASTER_ACCEPT = ".tif,.tiff,.gif,.zip"
VECTOR_ACCEPT = ".gpkg,.geojson,.json,.zip,.shp,.shx,.dbf,.prj,.cpg"

RASTER_FIX = ("upload GeoTIFF maps named urban_<year>.tif (with slope.tif, excluded.tif, landuse_<year>.tif, "
              "roads_<year>.tif if you have them), or the GIFs of a SLEUTH folder, or a .zip of either")
VECTOR_FIX = "upload the line as GeoPackage (.gpkg), GeoJSON or a zipped Shapefile"
VECTOR_SUFFIXES = (".gpkg", ".geojson", ".json", ".shp")
SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx", ".qmd")

TIFF_MAGIC = (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")
GIF_MAGIC = (b"GIF87a", b"GIF89a")
ZIP_MAGIC = b"PK\x03\x04"


class UploadRefused(ValueError):
    """An upload the planner can fix: its message is the one line the page shows."""


@dataclass(frozen=True)
class Upload:
    """One accepted upload: the scenario fields it sets, the files it came as and what the page says of it."""

    slot: str
    overrides: dict[str, object]
    names: tuple[str, ...]
    folder: Path
    summary: str = ""                                   # an English template (viz.i18n) filled with `fields`
    fields: dict[str, object] = field(default_factory=dict)
    shape: tuple[int, int] | None = None
    cell_size_m: float | None = None

    def describe(self, lang: str = "en") -> str:
        """What the upload is, in `lang` (its summary with the fields filled in)."""
        from viz.i18n import tr

        return tr(self.summary, lang, **{k: tr(v, lang) if k in ("what", "label") else v
                                         for k, v in self.fields.items()})


def _looks(head: bytes) -> str:
    """What the first bytes of a file look like, for a refusal ('text', 'a ZIP archive', ...)."""
    if head.startswith(ZIP_MAGIC):
        return "a ZIP archive"
    if head.startswith(GIF_MAGIC):
        return "a GIF image"
    if any(head.startswith(m) for m in TIFF_MAGIC):
        return "a TIFF image"
    if head.startswith(b"SQLite format 3"):
        return "a SQLite / GeoPackage file"
    if head.startswith(b"\x89PNG"):
        return "a PNG image"
    if head.startswith(b"%PDF"):
        return "a PDF document"
    try:
        head.decode("utf-8")
        return "text"
    except UnicodeDecodeError:
        return "other data"


def refuse_kind(name: str, head: bytes, slot: str) -> str:
    """Why a file cannot be what its name says for `slot` ('' when its first bytes fit its name)."""
    suffix = Path(name).suffix.lower()
    looks = _looks(head)
    if slot == "region":
        if suffix in (".tif", ".tiff") and not any(head.startswith(m) for m in TIFF_MAGIC):
            return (f"{name} is not a GeoTIFF (it starts like {looks}): export the map as a GeoTIFF (.tif), "
                    "one band per layer")
        if suffix == ".gif" and not head.startswith(GIF_MAGIC):
            return f"{name} is not a GIF image (it starts like {looks}): re-export it as a single-band 8-bit GIF"
        if suffix == ".zip" and not head.startswith(ZIP_MAGIC):
            return f"{name} is not a ZIP archive (it starts like {looks}): zip the folder of maps again"
        return ""
    if suffix in (".tif", ".tiff", ".gif", ".png", ".jpg", ".jpeg", ".img", ".asc", ".nc"):
        return f"{name} is a raster image, not a vector layer: {VECTOR_FIX}"
    if suffix == ".zip" and not head.startswith(ZIP_MAGIC):
        return f"{name} is not a ZIP archive (it starts like {looks}): zip the Shapefile's parts (.shp, .shx, .dbf, .prj)"
    if suffix == ".gpkg" and not head.startswith(b"SQLite format 3"):
        return f"{name} is not a GeoPackage (it starts like {looks}): save the line as GeoPackage from your GIS"
    if suffix in (".geojson", ".json") and looks != "text":
        return f"{name} is not GeoJSON text (it starts like {looks}): save the line as GeoJSON from your GIS"
    return ""


class UploadFolder:
    """A page's temporary folder of uploads: one sub-folder per upload, the whole removed by `close`."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="abm-app-uploads-"))
        self.count = 0

    def new(self, slot: str) -> Path:
        self.count += 1
        folder = self.root / f"{self.count:03d}-{slot}"
        folder.mkdir()
        return folder

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    def shown(self, text: str) -> str:
        """`text` with this folder's paths cut down to the file names the planner uploaded."""
        root = str(self.root)
        out = text
        while root in out:
            start = out.index(root)
            end = start + len(root)
            while end < len(out) and out[end] not in " ,;:()'\"":
                end += 1
            out = out[:start] + Path(out[start:end]).name + out[end:]
        return out


def check_sizes(files: Iterable[tuple[str, int]]) -> None:
    """Refuse an upload before it is sent when it has too many files or bytes (sizes as the browser says)."""
    files = list(files)
    if not files:
        raise UploadRefused("no file was chosen: choose one or more files")
    if len(files) > MAX_FILES:
        raise UploadRefused(f"{len(files)} files is more than the {MAX_FILES} one upload takes: zip them into one .zip")
    total = sum(int(size) for _, size in files)
    if total > MAX_UPLOAD_BYTES:
        raise UploadRefused(f"{_names([n for n, _ in files])} hold {total / 2**20:,.0f} MB, more than the "
                            f"{MAX_UPLOAD_BYTES // 2**20} MB one upload takes: clip the maps to the study area or "
                            "use coarser cells")


def _names(names: list[str]) -> str:
    return ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def _safe_name(name: str) -> str:
    """A file name as sent (never a path: a browser sends names, a crafted one is cut to its last part)."""
    base = Path(str(name).replace("\\", "/")).name.strip()
    if not base or base in (".", "..") or base.startswith("."):
        raise UploadRefused(f"{name!r} is not a usable file name: rename the file")
    return base[:200]


def save_files(files: Iterable[tuple[str, BinaryIO | bytes]], folder: Path) -> list[Path]:
    """Write each (name, data or binary stream) into `folder`, at most MAX_UPLOAD_BYTES in all."""
    saved: list[Path] = []
    total = 0
    for name, data in files:
        target = folder / _safe_name(name)
        if target.exists():
            raise UploadRefused(f"{target.name} was chosen twice: choose each file once")
        with open(target, "wb") as out:
            stream = data if hasattr(data, "read") else None
            chunks = iter(lambda: stream.read(2 * 1024 * 1024), b"") if stream is not None else [bytes(data)]
            for chunk in chunks:
                total += len(chunk)
                if total > MAX_UPLOAD_BYTES:
                    raise UploadRefused(f"the files hold more than the {MAX_UPLOAD_BYTES // 2**20} MB one upload "
                                        "takes: clip the maps to the study area or use coarser cells")
                out.write(chunk)
        saved.append(target)
    return saved


def _head(path: Path) -> bytes:
    with open(path, "rb") as f:
        return f.read(16)


def unzip(archive: Path, into: Path) -> list[Path]:
    """The files of a .zip, unpacked flat into `into` (folders inside are dropped, hidden files and
    macOS resource forks skipped); an archive too large, too many files or names met twice is refused."""
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as err:
        raise UploadRefused(f"{archive.name} cannot be opened as a ZIP archive ({err}): zip the files again") from None
    with zf:
        members = [m for m in zf.infolist() if not m.is_dir()]
        members = [m for m in members if not any(part.startswith(".") or part == "__MACOSX"
                                                 for part in Path(m.filename.replace("\\", "/")).parts)]
        if len(members) > MAX_ZIP_FILES:
            raise UploadRefused(f"{archive.name} holds {len(members):,} files, more than {MAX_ZIP_FILES:,}: zip only "
                                "the maps")
        size = sum(m.file_size for m in members)
        if size > MAX_UNZIPPED_BYTES:
            raise UploadRefused(f"{archive.name} unpacks to {size / 2**20:,.0f} MB, more than the "
                                f"{MAX_UNZIPPED_BYTES // 2**20} MB the app takes: clip the maps to the study area")
        out: list[Path] = []
        for m in members:
            target = into / Path(m.filename.replace("\\", "/")).name
            if target.exists():
                raise UploadRefused(f"{archive.name} holds two files named {target.name}: keep one set of maps "
                                    "per archive")
            written = 0
            with zf.open(m) as src, open(target, "wb") as dst:
                for chunk in iter(lambda: src.read(1024 * 1024), b""):
                    written += len(chunk)
                    if written > m.file_size or written > MAX_UNZIPPED_BYTES:  # a header that lied
                        raise UploadRefused(f"{archive.name} unpacks to more than it declares: zip the files again")
                    dst.write(chunk)
            out.append(target)
    return out


def _expanded(saved: list[Path], folder: Path, slot: str) -> list[Path]:
    """The saved files with each .zip replaced by what it holds (checked by their first bytes first)."""
    files: list[Path] = []
    for path in saved:
        problem = refuse_kind(path.name, _head(path), slot)
        if problem:
            raise UploadRefused(problem)
        if path.suffix.lower() == ".zip":
            inner = folder / (path.stem + "-unzipped")
            inner.mkdir(exist_ok=True)
            for member in unzip(path, inner):
                problem = refuse_kind(member.name, _head(member), slot)
                if problem:
                    raise UploadRefused(f"{path.name}: {problem}")
                files.append(member)
            path.unlink()
        else:
            files.append(path)
    return files


def region_upload(files: Iterable[tuple[str, BinaryIO | bytes]], folder: Path) -> Upload:
    """A GeoTIFF stack or a SLEUTH set as the region's maps: saved into `folder`, read once to check it, and the
    region fields that make a scenario run on it (the latest urban map is the start; a projected GeoTIFF's
    pixel width is the cell size, else 100 m)."""
    from abm.errors import DataError
    from abm.io.geotiff import GEOTIFF_FILE, read_geotiff_stack
    from abm.io.sleuth import SLEUTH_FILE, load_sleuth_set

    saved = save_files(files, folder)
    names = tuple(p.name for p in saved)
    maps = _expanded(saved, folder, "region")
    tifs = [p for p in maps if p.suffix.lower() in (".tif", ".tiff")]
    gifs = [p for p in maps if p.suffix.lower() == ".gif"]
    if tifs and gifs:
        raise UploadRefused(f"{_names(names)} mix GeoTIFF and GIF maps: upload one set, GeoTIFF or SLEUTH GIF")
    if not tifs and not gifs:
        raise UploadRefused(f"{_names(names)} hold no GeoTIFF (.tif) or GIF map: {RASTER_FIX}")
    stack = folder / "maps"
    stack.mkdir(exist_ok=True)
    for p in tifs or gifs:
        target = stack / p.name
        if target.exists():
            raise UploadRefused(f"two maps are named {p.name}: upload one set of maps")
        p.rename(target)
    kind = "geotiff" if tifs else "sleuth"
    if kind == "geotiff":
        unnamed = [p.name for p in tifs if not GEOTIFF_FILE.match(p.name)]
        if unnamed and not any(GEOTIFF_FILE.match(p.name) and GEOTIFF_FILE.match(p.name)["layer"].lower() == "urban"
                               for p in tifs):
            raise UploadRefused(f"{_names(unnamed)}: the name says no layer and year: name the urban map "
                                "urban_<year>.tif (e.g. urban_2020.tif; the others slope.tif, excluded.tif, "
                                "landuse_<year>.tif, roads_<year>.tif)")
    elif not any(SLEUTH_FILE.match(p.name) for p in gifs):
        raise UploadRefused(f"{_names([p.name for p in gifs])}: no SLEUTH names (<prefix>.urban.<year>.gif): upload "
                            "the GIFs of a SLEUTH input folder as they are named there")
    try:
        sset = read_geotiff_stack(stack) if kind == "geotiff" else load_sleuth_set(stack)
    except (DataError, ValueError, OSError) as err:
        raise UploadRefused(str(err).replace(str(stack) + "/", "").replace(str(stack), "the upload")) from None
    year = sset.urban_years[-1]
    rows, cols = sset.shape
    cell = float(sset.cell_size_m) if sset.cell_size_m else 100.0
    summary = ("{what} of {n} maps: {rows} x {cols} cells of {cell} m ({height} x {width} km), starting from the "
               "{year} urban map")
    fields = {"what": "GeoTIFF stack" if kind == "geotiff" else "SLEUTH set", "n": len(tifs or gifs), "rows": rows,
              "cols": cols, "cell": f"{cell:g}", "height": f"{rows * cell / 1000:g}", "width": f"{cols * cell / 1000:g}",
              "year": year}
    overrides = {"region.kind": kind, "region.path": str(stack), "region.year": int(year),
                 "region.cell_size_m": cell}
    return Upload("region", overrides, names, folder, summary, fields, (rows, cols), cell)


def vector_upload(slot: str, files: Iterable[tuple[str, BinaryIO | bytes]], folder: Path) -> Upload:
    """A growth boundary, red line or farmland as a vector file saved into `folder` (a zipped Shapefile
    unpacked, a loose Shapefile given with its parts); its features are read when the run is built."""
    key, label = SLOTS[slot]
    saved = save_files(files, folder)
    names = tuple(p.name for p in saved)
    parts = _expanded(saved, folder, slot)
    vectors = [p for p in parts if p.suffix.lower() in VECTOR_SUFFIXES]
    if not vectors:
        raise UploadRefused(f"{_names(list(names))} hold no vector layer (.gpkg, .geojson, .shp): {VECTOR_FIX}")
    if len(vectors) > 1:
        raise UploadRefused(f"{_names([p.name for p in vectors])} are {len(vectors)} layers: upload one file per line "
                            "(merge the polygons in your GIS)")
    vector = vectors[0]
    if vector.suffix.lower() == ".shp":
        have = {p.suffix.lower() for p in parts if p.stem == vector.stem}
        lacking = [vector.stem + s for s in (".shx", ".dbf") if s not in have]
        if lacking:
            raise UploadRefused(f"the Shapefile {vector.name} lacks {' and '.join(lacking)}: upload all its parts "
                                "(.shp, .shx, .dbf, .prj) or a .zip of them")
    return Upload(slot, {key: str(vector)}, names, folder, "{label}: {file}", {"label": label, "file": vector.name})


@dataclass
class Uploads:
    """The accepted uploads of a page by slot, and the scenario overrides they make together."""

    accepted: dict[str, Upload] = field(default_factory=dict)

    def overrides(self) -> dict[str, object]:
        out: dict[str, object] = {}
        for slot in SLOTS:
            if slot in self.accepted:
                out.update(self.accepted[slot].overrides)
        return out
