"""The gates the Ciliwung's rise is read at, with the thresholds DOMAIN.md gives (data).

Katulampa (Bogor) and Depok rise hours before Manggarai; their downstream kelurahan are those
on the Ciliwung's banks in Jakarta Selatan and Timur down to Manggarai. Manggarai's are the
banks below it (the old Ciliwung through Menteng and Senen, and the West Flood Canal). Depok's
thresholds are BPBD DKI's published table (200 / 270 / 350 cm), not in DOMAIN.md. Created when
missing after every migrate and flush (apps.py), never overwriting an officer's edit in the
admin (Disaster warnings > water gates).
"""

from __future__ import annotations

CILIWUNG_UPSTREAM = [
    "31.74.09.1002",  # Srengseng Sawah
    "31.74.09.1004",  # Lenteng Agung
    "31.74.09.1005",  # Tanjung Barat
    "31.74.04.1005",  # Pejaten Timur
    "31.74.08.1003",  # Rawajati
    "31.74.08.1002",  # Kalibata
    "31.74.08.1005",  # Pengadegan
    "31.75.04.1005",  # Balekambang
    "31.75.04.1006",  # Cililitan
    "31.75.04.1007",  # Cawang
    "31.74.01.1004",  # Kebon Baru
    "31.74.01.1005",  # Bukit Duri
    "31.75.03.1002",  # Bidara Cina
    "31.75.03.1001",  # Kampung Melayu
    "31.74.01.1007",  # Manggarai
]
BELOW_MANGGARAI = [
    "31.71.06.1002",  # Pegangsaan
    "31.71.06.1003",  # Cikini
    "31.71.04.1002",  # Kenari
    "31.71.04.1005",  # Kwitang
    "31.71.02.1001",  # Pasar Baru
    "31.71.06.1001",  # Menteng
    "31.71.07.1003",  # Karet Tengsin
    "31.71.07.1005",  # Kebon Melati
    "31.71.07.1004",  # Petamburan
]
GATES = [
    {
        "code": "katulampa",
        "name": "Bendung Katulampa",
        "river": "Ciliwung",
        "lat": -6.633096,
        "lon": 106.837077,
        "dsda_ref": "pos_pengamatan:7",
        "siaga3_cm": 81,  # 81-150
        "siaga2_cm": 151,  # 151-200
        "siaga1_cm": 201,  # > 200
        "downstream_kelurahan": CILIWUNG_UPSTREAM,
        "downstream_description": "Bantaran Ciliwung (Jakarta Selatan, Jakarta Timur)",
    },
    {
        "code": "depok",
        "name": "Pos Depok",
        "river": "Ciliwung",
        "lat": -6.40052622,
        "lon": 106.8318436,
        "dsda_ref": "pos_pengamatan:1",
        "siaga3_cm": 200,
        "siaga2_cm": 270,
        "siaga1_cm": 351,  # > 350
        "downstream_kelurahan": CILIWUNG_UPSTREAM,
        "downstream_description": "Bantaran Ciliwung (Jakarta Selatan, Jakarta Timur)",
    },
    {
        "code": "manggarai",
        "name": "Pintu Air Manggarai",
        "river": "Ciliwung",
        "lat": -6.207903,
        "lon": 106.848439,
        "dsda_ref": "pintu_air:6",  # Manggarai BKB
        "siaga3_cm": 750,
        "siaga2_cm": 850,
        "siaga1_cm": 950,
        "downstream_kelurahan": BELOW_MANGGARAI,
        "downstream_description": "Hilir Manggarai (Menteng, Senen, Tanah Abang)",
    },
]


def gates_ensure(*, using: str = "default") -> int:
    """Create the seeded gates that are missing; returns how many it created."""
    from disasteralerts.models import WaterGate

    created = 0
    for gate in GATES:
        _gate, made = WaterGate.objects.using(using).get_or_create(code=gate["code"], defaults=gate)
        created += made
    return created
