"""The seeded categories: Jakarta's most reported (the top five of 2024 first), with a
few questions and reply templates.

Every category routes to the kelurahan office of the location, as Jakarta routes reports;
an operator may point one at an agency in the admin.
"""

H = 1
DAY = 24

# code, Indonesian name, English name, icon, hours to coordinate, hours to resolve,
# Indonesian description, English description
CATEGORIES = [
    (
        "jalan-rusak",
        "Jalan Rusak",
        "Damaged road",
        "road",
        6,
        7 * DAY,
        "Jalan berlubang, aspal mengelupas, atau amblas.",
        "Potholes, broken asphalt or a sunken road.",
    ),
    (
        "pohon",
        "Pohon Tumbang atau Rawan Tumbang",
        "Fallen or unsafe tree",
        "tree",
        3 * H,
        2 * DAY,
        "Pohon tumbang, dahan patah, atau pohon yang perlu dipangkas.",
        "A fallen tree, a broken branch, or a tree that needs pruning.",
    ),
    (
        "parkir-liar",
        "Parkir Liar",
        "Illegal parking",
        "parking",
        6,
        1 * DAY,
        "Kendaraan parkir di trotoar, bahu jalan, atau area terlarang.",
        "Vehicles parked on pavements, road shoulders or where parking is forbidden.",
    ),
    (
        "ketertiban-umum",
        "Ketertiban Umum",
        "Public order",
        "shield",
        6,
        3 * DAY,
        "Gangguan ketertiban dan ketenteraman di ruang publik.",
        "Disturbances of public order in public spaces.",
    ),
    (
        "sampah",
        "Sampah",
        "Rubbish",
        "trash",
        6,
        2 * DAY,
        "Sampah menumpuk, tidak diangkut, atau dibuang sembarangan.",
        "Rubbish piling up, not collected, or dumped.",
    ),
    (
        "banjir",
        "Banjir dan Genangan",
        "Flooding and standing water",
        "water",
        2 * H,
        1 * DAY,
        "Genangan atau banjir di jalan dan permukiman.",
        "Standing water or flooding in streets and neighbourhoods.",
    ),
    (
        "saluran-air",
        "Saluran Air Tersumbat",
        "Blocked drain",
        "drain",
        6,
        3 * DAY,
        "Got, selokan, atau saluran yang tersumbat atau rusak.",
        "Gutters, ditches or drains that are blocked or broken.",
    ),
    (
        "lampu-jalan",
        "Lampu Penerangan Jalan Mati",
        "Street light out",
        "lightbulb",
        6,
        3 * DAY,
        "Lampu penerangan jalan umum mati atau berkedip.",
        "A street light that is out or flickering.",
    ),
    (
        "trotoar",
        "Trotoar Rusak",
        "Damaged pavement",
        "walk",
        6,
        7 * DAY,
        "Trotoar rusak, berlubang, atau terhalang.",
        "A broken, holed or obstructed pavement.",
    ),
    (
        "pedagang-kaki-lima",
        "Pedagang Kaki Lima",
        "Street vendors",
        "store",
        6,
        3 * DAY,
        "Pedagang yang berjualan di trotoar atau badan jalan.",
        "Vendors selling on pavements or on the road.",
    ),
    (
        "fasilitas-umum",
        "Fasilitas Umum Rusak",
        "Damaged public facility",
        "bench",
        6,
        7 * DAY,
        "Halte, taman, toilet umum, atau fasilitas lain yang rusak.",
        "A bus shelter, park, public toilet or other facility that is damaged.",
    ),
    (
        "bangunan",
        "Pelanggaran Bangunan",
        "Building violation",
        "building",
        6,
        14 * DAY,
        "Bangunan tanpa izin atau melanggar peruntukan.",
        "A building without a permit or against its zoning.",
    ),
    (
        "lainnya",
        "Lainnya",
        "Other",
        "dots",
        6,
        7 * DAY,
        "Masalah lain di lingkungan Anda.",
        "Any other problem where you live.",
    ),
]

# category code, question code, datatype, required, personal, Indonesian, English, values
QUESTIONS = [
    (
        "jalan-rusak",
        "ukuran",
        "singlevaluelist",
        False,
        False,
        "Seberapa besar kerusakannya?",
        "How large is the damage?",
        [
            ("kecil", "Kecil (< 50 cm)", "Small (< 50 cm)"),
            ("sedang", "Sedang (50 cm - 2 m)", "Medium (50 cm - 2 m)"),
            ("besar", "Besar (> 2 m)", "Large (> 2 m)"),
        ],
    ),
    (
        "pohon",
        "menghalangi-jalan",
        "singlevaluelist",
        True,
        False,
        "Apakah pohon menghalangi jalan?",
        "Does the tree block the road?",
        [("ya", "Ya", "Yes"), ("tidak", "Tidak", "No")],
    ),
    (
        "banjir",
        "kedalaman-cm",
        "number",
        False,
        False,
        "Perkiraan kedalaman air (cm)",
        "Estimated water depth (cm)",
        [],
    ),
    (
        "lampu-jalan",
        "nomor-tiang",
        "string",
        False,
        False,
        "Nomor tiang lampu (jika terlihat)",
        "Lamp post number (if visible)",
        [],
    ),
    (
        "parkir-liar",
        "nomor-polisi",
        "string",
        False,
        True,
        "Nomor polisi kendaraan (jika terlihat)",
        "Licence plate (if visible)",
        [],
    ),
]

# title, status, Indonesian text, English text
TEMPLATES = [
    (
        "Diterima dan diverifikasi",
        "verified",
        "Terima kasih, laporan Anda sudah kami verifikasi dan sedang dikoordinasikan.",
        "Thank you, your report has been verified and is being coordinated.",
    ),
    (
        "Diteruskan ke dinas terkait",
        "dispatched",
        "Laporan Anda sudah kami teruskan ke instansi yang berwenang untuk ditindaklanjuti.",
        "Your report has been passed to the responsible agency for follow-up.",
    ),
    (
        "Petugas menuju lokasi",
        "in_progress",
        "Petugas kami sedang menuju lokasi untuk menangani laporan Anda.",
        "Our officers are on their way to handle your report.",
    ),
    (
        "Sudah ditangani",
        "resolved",
        "Laporan Anda sudah ditangani. Silakan cek foto hasil penanganan dan beri penilaian.",
        "Your report has been handled. Please look at the photo of the result and rate it.",
    ),
    (
        "Bukan kewenangan Pemprov",
        "rejected",
        "Mohon maaf, laporan ini bukan kewenangan Pemerintah Provinsi DKI Jakarta.",
        "Sorry, this report is not within the remit of the Jakarta provincial government.",
    ),
    (
        "Informasi kurang lengkap",
        "rejected",
        "Mohon maaf, lokasi atau keterangan laporan kurang jelas. Silakan kirim laporan baru.",
        "Sorry, the location or description is unclear. Please send a new report.",
    ),
]


def categories_ensure(*, using: str = "default") -> int:
    """Create the seeded categories, questions and templates that are missing; never changes
    one an operator edited. Runs after every migrate and flush (apps.py); returns how many
    categories it created."""
    from complaints.models import Category, Question, ResponseTemplate

    created = 0
    categories = Category.objects.using(using)
    for position, row in enumerate(CATEGORIES, start=1):
        code, name_id, name_en, icon, coordinate, resolve, desc_id, desc_en = row
        _category, made = categories.get_or_create(
            code=code,
            defaults={
                "name_id": name_id,
                "name_en": name_en,
                "icon": icon,
                "position": position,
                "coordination_sla_hours": coordinate,
                "resolution_sla_hours": resolve,
                "description_id": desc_id,
                "description_en": desc_en,
            },
        )
        created += made
    for position, row in enumerate(QUESTIONS, start=1):
        category, code, datatype, required, personal, label_id, label_en, values = row
        Question.objects.using(using).get_or_create(
            category=categories.get(code=category),
            code=code,
            defaults={
                "datatype": datatype,
                "required": required,
                "personal": personal,
                "position": position,
                "label_id": label_id,
                "label_en": label_en,
                "values": [{"key": k, "name_id": i, "name_en": e} for k, i, e in values],
            },
        )
    templates = ResponseTemplate.objects.using(using)
    for title, status, text_id, text_en in TEMPLATES:
        templates.get_or_create(
            title=title, defaults={"status": status, "text_id": text_id, "text_en": text_en}
        )
    return created
