"""Hazard templates: pre-approved bilingual texts per hazard, as data (US WEA practice).

A template prefills a draft; the officer edits it. `{area}` in a text is replaced by the
areas' descriptions. Short texts stay within 90 characters and long ones within 360 once
filled with a typical area name (tests/disasteralerts/test_hazards.py).
"""

from __future__ import annotations

from datetime import timedelta

HAZARDS: dict[str, dict] = {
    "flood": {
        "category": ["Met"],
        "response_type": ["Evacuate"],
        "urgency": "Immediate",
        "severity": "Severe",
        "certainty": "Observed",
        "duration": timedelta(hours=12),
        "event": {"id": "Banjir", "en": "Flood"},
        "headline": {"id": "Peringatan banjir: {area}", "en": "Flood warning: {area}"},
        "description": {
            "id": "Air sungai naik dan banjir terjadi atau akan segera terjadi di {area}.",
            "en": "River levels are rising; flooding is happening or imminent in {area}.",
        },
        "instruction": {
            "id": "Matikan listrik, amankan dokumen, dan segera menuju posko pengungsian terdekat.",
            "en": "Switch off power, secure documents and move to the nearest shelter now.",
        },
        "short_text": {
            "id": "Banjir di {area}. Segera mengungsi.",
            "en": "Flood in {area}. Evacuate now.",
        },
        "long_text": {
            "id": "BPBD DKI: banjir terjadi atau akan segera terjadi di {area}. Matikan listrik, "
            "bawa dokumen penting, dan menuju posko pengungsian terdekat. Hubungi 112.",
            "en": "BPBD DKI: flooding is happening or imminent in {area}. Switch off power, take "
            "your documents and go to the nearest shelter. Call 112.",
        },
    },
    "earthquake": {
        "category": ["Geo"],
        "response_type": ["Assess"],
        "urgency": "Immediate",
        "severity": "Severe",
        "certainty": "Observed",
        "duration": timedelta(hours=6),
        "event": {"id": "Gempa bumi", "en": "Earthquake"},
        "headline": {"id": "Gempa bumi dirasakan: {area}", "en": "Earthquake felt: {area}"},
        "description": {
            "id": "Gempa bumi dirasakan di {area}. Waspadai gempa susulan.",
            "en": "An earthquake was felt in {area}. Expect aftershocks.",
        },
        "instruction": {
            "id": "Jauhi bangunan retak, kaca dan tiang listrik. Periksa kebocoran gas.",
            "en": "Keep away from cracked buildings, glass and power poles. Check for gas leaks.",
        },
        "short_text": {
            "id": "Gempa di {area}. Waspada gempa susulan.",
            "en": "Earthquake in {area}. Expect aftershocks.",
        },
        "long_text": {
            "id": "BPBD DKI: gempa bumi dirasakan di {area}. Jauhi bangunan retak dan kaca, "
            "periksa kebocoran gas, dan ikuti info resmi BMKG.",
            "en": "BPBD DKI: an earthquake was felt in {area}. Keep away from cracked buildings "
            "and glass, check for gas leaks and follow BMKG's official updates.",
        },
    },
    "tsunami": {
        "category": ["Geo"],
        "response_type": ["Evacuate"],
        "urgency": "Immediate",
        "severity": "Extreme",
        "certainty": "Likely",
        "duration": timedelta(hours=6),
        "event": {"id": "Tsunami", "en": "Tsunami"},
        "headline": {"id": "PERINGATAN TSUNAMI: {area}", "en": "TSUNAMI WARNING: {area}"},
        "description": {
            "id": "BMKG mengeluarkan peringatan dini tsunami untuk pesisir {area}.",
            "en": "BMKG has issued a tsunami early warning for the coast of {area}.",
        },
        "instruction": {
            "id": "Segera menjauh dari pantai menuju tempat tinggi atau gedung evakuasi.",
            "en": "Move away from the coast to high ground or an evacuation building now.",
        },
        "short_text": {
            "id": "TSUNAMI di {area}. Jauhi pantai sekarang.",
            "en": "TSUNAMI at {area}. Leave the coast now.",
        },
        "long_text": {
            "id": "BPBD DKI: peringatan dini tsunami untuk pesisir {area}. Segera menjauh dari "
            "pantai menuju tempat tinggi. Jangan kembali sebelum ada pengumuman resmi.",
            "en": "BPBD DKI: tsunami early warning for the coast of {area}. Move away from the "
            "coast to high ground now. Do not return before the official all-clear.",
        },
    },
    "extreme_weather": {
        "category": ["Met"],
        "response_type": ["Prepare"],
        "urgency": "Expected",
        "severity": "Moderate",
        "certainty": "Likely",
        "duration": timedelta(hours=6),
        "event": {"id": "Cuaca ekstrem", "en": "Extreme weather"},
        "headline": {"id": "Cuaca ekstrem: {area}", "en": "Extreme weather: {area}"},
        "description": {
            "id": "Hujan lebat disertai petir dan angin kencang diperkirakan di {area}.",
            "en": "Heavy rain with lightning and strong wind is expected in {area}.",
        },
        "instruction": {
            "id": "Hindari berteduh di bawah pohon dan baliho; waspadai genangan.",
            "en": "Do not shelter under trees or billboards; watch for waterlogging.",
        },
        "short_text": {
            "id": "Cuaca ekstrem di {area}. Tetap waspada.",
            "en": "Extreme weather in {area}. Stay alert.",
        },
        "long_text": {
            "id": "BPBD DKI: hujan lebat, petir dan angin kencang diperkirakan di {area}. Hindari "
            "pohon dan baliho, waspadai genangan dan banjir.",
            "en": "BPBD DKI: heavy rain, lightning and strong wind are expected in {area}. Keep "
            "away from trees and billboards and watch for flooding.",
        },
    },
    "fire": {
        "category": ["Fire"],
        "response_type": ["Avoid"],
        "urgency": "Immediate",
        "severity": "Severe",
        "certainty": "Observed",
        "duration": timedelta(hours=4),
        "event": {"id": "Kebakaran", "en": "Fire"},
        "headline": {"id": "Kebakaran: {area}", "en": "Fire: {area}"},
        "description": {
            "id": "Kebakaran besar sedang ditangani petugas di {area}.",
            "en": "Firefighters are tackling a large fire in {area}.",
        },
        "instruction": {
            "id": "Jauhi lokasi, beri jalan untuk pemadam kebakaran, tutup jendela dari asap.",
            "en": "Keep away, make way for fire engines, close windows against the smoke.",
        },
        "short_text": {
            "id": "Kebakaran di {area}. Jauhi lokasi.",
            "en": "Fire in {area}. Keep away.",
        },
        "long_text": {
            "id": "BPBD DKI: kebakaran besar di {area}. Jauhi lokasi, beri jalan untuk pemadam "
            "kebakaran, dan tutup jendela dari asap. Darurat: 112.",
            "en": "BPBD DKI: a large fire in {area}. Keep away, make way for fire engines and "
            "close windows against the smoke. Emergency: 112.",
        },
    },
    "landslide": {
        "category": ["Geo"],
        "response_type": ["Evacuate"],
        "urgency": "Expected",
        "severity": "Severe",
        "certainty": "Likely",
        "duration": timedelta(hours=12),
        "event": {"id": "Tanah longsor", "en": "Landslide"},
        "headline": {"id": "Waspada longsor: {area}", "en": "Landslide risk: {area}"},
        "description": {
            "id": "Tanah jenuh air; longsor dapat terjadi di lereng dan tebing di {area}.",
            "en": "The ground is saturated; landslides may occur on slopes and banks in {area}.",
        },
        "instruction": {
            "id": "Tinggalkan rumah di dekat tebing dan menuju tempat aman.",
            "en": "Leave homes near slopes and banks and go somewhere safe.",
        },
        "short_text": {
            "id": "Waspada longsor di {area}. Jauhi tebing.",
            "en": "Landslide risk in {area}. Keep off slopes.",
        },
        "long_text": {
            "id": "BPBD DKI: tanah jenuh air dan longsor dapat terjadi di {area}. Tinggalkan rumah "
            "di dekat tebing dan menuju tempat aman.",
            "en": "BPBD DKI: the ground is saturated and landslides may occur in {area}. Leave "
            "homes near slopes and banks and go somewhere safe.",
        },
    },
    "air_pollution": {
        "category": ["Health", "Env"],
        "response_type": ["Avoid"],
        "urgency": "Expected",
        "severity": "Moderate",
        "certainty": "Likely",
        "duration": timedelta(hours=24),
        "event": {"id": "Polusi udara", "en": "Air pollution"},
        "headline": {"id": "Udara tidak sehat: {area}", "en": "Unhealthy air: {area}"},
        "description": {
            "id": "Kualitas udara di {area} berada pada kategori tidak sehat (ISPU).",
            "en": "Air quality in {area} is in the unhealthy range (ISPU).",
        },
        "instruction": {
            "id": "Kurangi kegiatan di luar ruangan dan gunakan masker.",
            "en": "Limit time outdoors and wear a mask.",
        },
        "short_text": {
            "id": "Udara tidak sehat di {area}. Pakai masker.",
            "en": "Unhealthy air in {area}. Wear a mask.",
        },
        "long_text": {
            "id": "Udara di {area} tidak sehat. Kurangi kegiatan di luar ruangan, gunakan masker, "
            "dan lindungi anak, lansia serta penderita penyakit pernapasan.",
            "en": "The air in {area} is unhealthy. Limit time outdoors, wear a mask, and protect "
            "children, older people and anyone with a respiratory illness.",
        },
    },
}

TEXT_FIELDS = ("event", "headline", "description", "instruction", "short_text", "long_text")


def hazard_texts(hazard: str, *, area: str) -> dict[str, dict[str, str]]:
    """The template's texts per language, `{area}` filled: the `info` of a draft."""
    template = HAZARDS[hazard]
    return {
        language: {
            field: template[field][language].replace("{area}", area) for field in TEXT_FIELDS
        }
        for language in ("id", "en")
    }
