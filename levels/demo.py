"""A believable Arabic demo marketplace, written as the CSV files of ``import_marketplace``.

Sellers follow personas: each persona is a sequence of working habits (order
volume, cancellations, ratings, how fast and how often the seller replies to
inquiries) that change on chosen dates. The dates are placed relative to the
replay range, so that replaying the levels over it shows sellers on every
level, promotions, grace periods that are still running, recoveries and
demotions once a grace period has run out.

Everything is drawn from one ``random.Random`` seeded by the caller, so the
same seed, size and date produce the same files.
"""

import bisect
import csv
import dataclasses
import datetime as dt
import math
import random
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from zoneinfo import ZoneInfo

# Days of order history, two years ending yesterday.
HISTORY_DAYS = 730

# Days replayed after the grace period, so that a grace period started in the
# first days of the replay has ended, and the seller been demoted, before
# yesterday.
REPLAY_DAYS_AFTER_GRACE = 25

DEFAULT_SEED = 20240501
BUYERS_PER_SELLER = 5

TITLES = {
    "design": (
        "تصميم شعار احترافي بثلاثة نماذج مختلفة",
        "تصميم هوية بصرية كاملة لمشروعك الناشئ",
        "تصميم منشورات إنستغرام لمدة شهر",
        "تصميم بطاقة عمل أنيقة جاهزة للطباعة",
        "تصميم غلاف جذاب لكتابك الإلكتروني",
        "تصميم واجهة تطبيق جوال بأسلوب عصري",
        "تصميم بانر إعلاني لحملتك على مواقع التواصل",
        "رسم شخصية كرتونية مميزة لعلامتك التجارية",
        "تصميم إنفوجرافيك يشرح فكرتك ببساطة",
        "تعديل الصور وإزالة الخلفية باحترافية",
        "تصميم قائمة طعام للمطاعم والمقاهي",
        "تصميم عرض تقديمي احترافي على باوربوينت",
        "تصميم ملصق منتج وعبوة تغليف",
        "تصميم شعار بالخط العربي الحر",
        "تصميم دعوة زفاف رقمية بطابع فاخر",
        "تصميم صورة مصغرة لفيديوهات يوتيوب",
    ),
    "writing-translation": (
        "ترجمة احترافية من الإنجليزية إلى العربية",
        "ترجمة عقود ووثائق قانونية بدقة",
        "كتابة مقال حصري متوافق مع محركات البحث",
        "كتابة محتوى صفحات موقعك التعريفية",
        "تدقيق لغوي ونحوي لنصوصك العربية",
        "كتابة وصف منتجات مقنع لمتجرك",
        "ترجمة ملفات الترجمة للأفلام وضبط توقيتها",
        "كتابة سيرة ذاتية احترافية بالعربية والإنجليزية",
        "تفريغ التسجيلات الصوتية إلى نص مكتوب",
        "كتابة سيناريو فيديو إعلاني قصير",
        "ترجمة من الفرنسية إلى العربية",
        "كتابة منشورات تسويقية لحساباتك",
        "صياغة خطاب تغطية لطلب وظيفة",
        "تلخيص الكتب والتقارير الطويلة",
        "كتابة قصص قصيرة للأطفال",
    ),
    "programming": (
        "إنشاء متجر إلكتروني على ووكومرس",
        "تصميم موقع ووردبريس متجاوب مع الجوال",
        "إصلاح أخطاء موقعك المبني بلغة PHP",
        "برمجة سكربت بايثون لأتمتة مهامك المتكررة",
        "ربط موقعك ببوابة دفع إلكتروني",
        "برمجة تطبيق أندرويد بسيط لفكرتك",
        "تحويل تصميم فيجما إلى صفحة HTML و CSS",
        "تسريع موقعك وتحسين أدائه",
        "إنشاء بوت تيليجرام حسب الطلب",
        "سحب بيانات من المواقع إلى ملف إكسل",
        "برمجة لوحة تحكم بإطار لارافيل",
        "إعداد استضافة ونقل موقعك إليها دون توقف",
        "حماية موقع ووردبريس من الاختراق",
        "تحسين استعلامات قاعدة البيانات البطيئة",
        "تطوير واجهة أمامية بمكتبة React",
    ),
    "marketing": (
        "إدارة حساباتك على مواقع التواصل لمدة شهر",
        "إعداد حملة إعلانية ممولة على فيسبوك وإنستغرام",
        "تحسين ظهور موقعك في نتائج البحث",
        "إعداد خطة تسويق رقمي لمشروعك",
        "إعداد حملة إعلانات جوجل وضبط الاستهداف",
        "كتابة رسائل بريد تسويقية وإعداد القائمة البريدية",
        "دراسة المنافسين وتحليل السوق",
        "تحسين صفحة منتجك لزيادة المبيعات",
        "إعداد حساب تجاري على سناب شات وتيك توك",
        "بحث الكلمات المفتاحية لموقعك",
        "إعداد تقرير شهري عن أداء حملاتك الإعلانية",
        "إنشاء محتوى لحملة إطلاق منتج جديد",
    ),
    "audio-video": (
        "تعليق صوتي احترافي بصوت رجالي",
        "تعليق صوتي بصوت نسائي باللهجة الخليجية",
        "مونتاج فيديو يوتيوب باحترافية",
        "تصميم مقدمة فيديو متحركة لقناتك",
        "إنتاج فيديو موشن جرافيك قصير",
        "إضافة ترجمة مدمجة لمقاطع الفيديو",
        "مونتاج مقاطع قصيرة لتيك توك والريلز",
        "تنقية التسجيلات الصوتية من الضوضاء",
        "تلحين شارة قصيرة لبودكاست",
        "تحرير حلقات البودكاست وتجهيزها للنشر",
        "تصوير منتجاتك بخلفية بيضاء وتعديل الصور",
        "تعليق صوتي باللغة الإنجليزية بنطق أمريكي",
    ),
}

# Appended to some titles, so that two sellers of the same service differ.
TITLE_SUFFIXES = (
    "", "", "", " خلال 24 ساعة", " بجودة عالية", " مع تعديلات مجانية",
    " بسعر مناسب", " مع تسليم سريع", " باحترافية",
)

# (Arabic, Latin transliteration used in usernames)
MALE_NAMES = (
    ("محمد", "mohammed"), ("أحمد", "ahmed"), ("عبدالله", "abdullah"), ("خالد", "khalid"),
    ("عمر", "omar"), ("يوسف", "yousef"), ("علي", "ali"), ("حسن", "hassan"), ("إبراهيم", "ibrahim"),
    ("فهد", "fahad"), ("سلطان", "sultan"), ("مصطفى", "mostafa"), ("طارق", "tariq"), ("ياسر", "yasser"),
    ("سامي", "sami"), ("ماجد", "majed"), ("نايف", "naif"), ("بدر", "badr"), ("زياد", "ziad"),
    ("كريم", "karim"), ("هشام", "hisham"), ("وليد", "waleed"), ("أنس", "anas"), ("معاذ", "muath"),
    ("حمزة", "hamza"), ("رامي", "rami"), ("عماد", "emad"), ("جمال", "jamal"), ("صالح", "saleh"),
    ("منصور", "mansour"), ("تركي", "turki"), ("بلال", "bilal"), ("مازن", "mazen"), ("عادل", "adel"),
    ("أسامة", "osama"), ("نبيل", "nabil"), ("قاسم", "qasim"), ("سعيد", "saeed"), ("هاني", "hani"),
)
FEMALE_NAMES = (
    ("فاطمة", "fatima"), ("مريم", "maryam"), ("نورة", "noura"), ("سارة", "sara"), ("ريم", "reem"),
    ("هند", "hind"), ("لينا", "lina"), ("دانة", "dana"), ("رنا", "rana"), ("أمل", "amal"),
    ("هبة", "heba"), ("ليلى", "layla"), ("منى", "mona"), ("شهد", "shahad"), ("جود", "joud"),
    ("رغد", "raghad"), ("نوف", "nouf"), ("سلمى", "salma"), ("ياسمين", "yasmin"), ("آلاء", "alaa"),
    ("إيمان", "iman"), ("أسماء", "asmaa"), ("خديجة", "khadija"), ("رزان", "razan"), ("لمى", "lama"),
    ("غادة", "ghada"), ("عبير", "abeer"), ("دعاء", "duaa"), ("بشرى", "bushra"), ("وعد", "waad"),
)
FAMILY_NAMES = (
    ("الحربي", "alharbi"), ("العتيبي", "alotaibi"), ("القحطاني", "alqahtani"), ("الشمري", "alshammari"),
    ("الغامدي", "alghamdi"), ("الزهراني", "alzahrani"), ("الدوسري", "aldosari"), ("المطيري", "almutairi"),
    ("السبيعي", "alsubaie"), ("العنزي", "alanazi"), ("المصري", "almasri"), ("الحسيني", "alhusseini"),
    ("الخطيب", "alkhatib"), ("النجار", "alnajjar"), ("الحداد", "alhaddad"), ("العلي", "alali"),
    ("الشريف", "alsharif"), ("التميمي", "altamimi"), ("الكبيسي", "alkubaisi"), ("البغدادي", "albaghdadi"),
    ("الحلبي", "alhalabi"), ("الصباغ", "alsabbagh"), ("الفاسي", "alfassi"), ("بنعلي", "benali"),
    ("العمراني", "alamrani"), ("الطرابلسي", "altarabulsi"), ("بن سالم", "binsalem"), ("حسين", "hussein"),
    ("سليمان", "suleiman"), ("يعقوب", "yacoub"), ("الراشد", "alrashed"), ("الكندي", "alkindi"),
    ("البلوشي", "albalushi"), ("المهيري", "almheiri"), ("السويدي", "alsuwaidi"), ("الأنصاري", "alansari"),
    ("القاسمي", "alqasimi"), ("الخياط", "alkhayat"), ("العطار", "alattar"), ("الجبوري", "aljabouri"),
)

REVIEW_COMMENTS = {
    5: (
        "عمل رائع وتسليم قبل الموعد، أنصح بالتعامل معه",
        "احترافية عالية وتواصل ممتاز، شكراً جزيلاً",
        "النتيجة فاقت توقعاتي وسأعود بالتأكيد",
        "سرعة في الرد وإتقان في التنفيذ",
        "ثاني تعامل ولن يكون الأخير، ممتاز كالعادة",
        "التزم بكل التفاصيل وأجرى التعديلات بصدر رحب",
        "",
    ),
    4: (
        "عمل جيد جداً مع ملاحظات بسيطة",
        "الجودة جيدة لكن التسليم تأخر يوماً",
        "تعامل محترم والنتيجة مرضية",
        "جيد، احتجت إلى جولة تعديل إضافية",
        "",
    ),
    3: (
        "العمل مقبول لكنه أقل مما توقعت",
        "تأخر في التسليم والنتيجة متوسطة",
        "احتاج الأمر إلى عدة تعديلات حتى أصبح مقبولاً",
    ),
    2: (
        "لم يلتزم بالتعليمات وتأخر كثيراً",
        "الجودة ضعيفة مقارنة بالنماذج المعروضة",
    ),
    1: (
        "لم يسلّم ما اتفقنا عليه ولم يرد على رسائلي",
        "تجربة سيئة ولا أنصح بها",
    ),
}

BUYER_OPENINGS = (
    "السلام عليكم، هل يمكنك تنفيذ خدمة «{title}» خلال ثلاثة أيام؟",
    "مرحباً، هل يشمل سعر «{title}» التعديلات؟",
    "أهلاً، عندي مشروع قريب من خدمتك «{title}» وأحتاج إلى بعض التفاصيل قبل الطلب",
    "مساء الخير، هل تعمل على ملفات كبيرة في «{title}»؟",
    "هل يمكن أن أرى نماذج من أعمالك السابقة في «{title}» قبل أن أطلب؟",
    "السلام عليكم، أحتاج «{title}» بشكل عاجل، هل أنت متاح هذا الأسبوع؟",
)
SELLER_REPLIES = (
    "وعليكم السلام، نعم بكل سرور. أرسل التفاصيل وأبدأ فور وصول الطلب",
    "أهلاً بك، السعر يشمل تعديلين مجانيين",
    "مرحباً، يمكنني التسليم خلال يومين إن شاء الله",
    "شكراً لتواصلك، أرفقت لك نماذج من أعمالي السابقة",
    "نعم ممكن، لكن الملفات الكبيرة تحتاج إلى يوم إضافي",
    "أهلاً، أنا متاح هذا الأسبوع ويسعدني العمل معك",
)
BUYER_FOLLOW_UPS_ORDERED = (
    "ممتاز، سأطلب الخدمة الآن",
    "تمام، طلبت الخدمة وأرسلت لك الملفات",
    "اتفقنا، سأرسل الطلب خلال اليوم",
)
BUYER_FOLLOW_UPS_UNDECIDED = (
    "شكراً، سأفكر وأعود إليك",
    "هل يمكن خصم بسيط إذا طلبت أكثر من خدمة؟",
    "حسناً، سأرجع إليك بعد مراجعة الميزانية",
)
SELLER_CLOSINGS = (
    "بانتظارك، وأي استفسار أنا في الخدمة",
    "على الرحب والسعة",
    "الأسعار ثابتة للأسف، لكن أضيف لك تعديلاً إضافياً مجاناً",
)

PRICES_BY_LEVEL = {
    1: (5, 10, 10, 15, 15, 20, 25, 25, 30, 35, 40, 50),
    2: (15, 20, 25, 30, 40, 50, 60, 75, 80, 100),
    3: (25, 40, 50, 75, 100, 120, 150, 180, 200),
}


@dataclasses.dataclass(frozen=True)
class Habits:
    """Working habits of a seller over a stretch of time, with rates per week."""

    orders_per_week: float
    cancel_share: float
    # Relative weights of the ratings 5, 4, 3, 2 and 1.
    rating_weights: tuple[int, int, int, int, int]
    review_share: float
    inquiries_per_week: float
    reply_share: float
    # First-reply delay in hours, drawn log-uniformly between the two bounds.
    reply_hours: tuple[float, float]
    conversion_share: float


# A top seller: clients, ratings near 4.8, almost no cancellations, fast replies.
EXCELLENT = Habits(1.8, 0.03, (85, 12, 3, 0, 0), 0.75, 1.0, 1.0, (0.3, 6), 0.5)
# A reliable seller whose ratings (near 4.3) and conversions keep them on level 2.
GOOD = Habits(1.2, 0.06, (48, 36, 12, 3, 1), 0.7, 0.8, 1.0, (1, 16), 0.3)
PROMISING = Habits(0.9, 0.03, (55, 33, 9, 3, 0), 0.75, 0.8, 1.0, (0.5, 8), 0.3)
# After a drop: slow or missing replies, cancellations and weaker ratings.
SLIPPING = Habits(0.8, 0.25, (25, 30, 20, 15, 10), 0.8, 0.8, 0.55, (20, 72), 0.08)
# Still replies, but delivers less well: enough to lose level 3, not level 2.
TIRED = Habits(1.0, 0.12, (40, 40, 14, 4, 2), 0.7, 0.8, 1.0, (2, 20), 0.25)
ABSENT = Habits(0.5, 0.6, (15, 20, 25, 20, 20), 0.8, 0.7, 0.3, (30, 120), 0.03)
# A seller back on track after a bad month: steady work, no cancellations.
COMEBACK = Habits(3.0, 0.0, (60, 35, 5, 0, 0), 0.8, 0.8, 1.0, (0.5, 8), 0.3)
NEWCOMER = Habits(0.35, 0.06, (55, 30, 10, 4, 1), 0.7, 0.4, 0.95, (1, 20), 0.25)
# Level 1 sellers, each held back by one weakness.
CASUAL = (
    Habits(0.3, 0.08, (45, 35, 13, 5, 2), 0.6, 0.4, 0.8, (4, 48), 0.2),  # leaves inquiries unanswered
    Habits(0.3, 0.10, (25, 30, 22, 13, 10), 0.65, 0.3, 0.95, (2, 20), 0.2),  # uneven ratings
    Habits(0.3, 0.30, (45, 35, 13, 5, 2), 0.6, 0.3, 0.95, (2, 20), 0.2),  # cancels often
    Habits(0.06, 0.05, (60, 30, 8, 2, 0), 0.7, 0.1, 1.0, (1, 12), 0.2),  # too few clients
)


@dataclasses.dataclass(frozen=True)
class Persona:
    name: str
    # Share of the sellers, and the minimum count that keeps a small demo varied.
    share: float
    minimum: int
    # The level whose price range the seller's services use.
    price_level: int
    services: tuple[int, int]


PERSONAS = (
    Persona("star", 0.06, 2, 3, (4, 8)),
    Persona("rising", 0.02, 0, 3, (3, 6)),
    Persona("promising", 0.03, 0, 2, (2, 5)),
    Persona("pro", 0.14, 2, 2, (3, 7)),
    Persona("slipping", 0.04, 2, 2, (3, 7)),
    Persona("fading", 0.025, 1, 2, (3, 7)),
    Persona("recovering", 0.02, 1, 2, (3, 6)),
    Persona("newcomer", 0.18, 1, 1, (1, 3)),
    Persona("casual", 0.0, 0, 1, (1, 5)),  # every seller left over
)


@dataclasses.dataclass(frozen=True)
class Timeline:
    """The dates the demo is built around, in the marketplace time zone."""

    zone: ZoneInfo
    yesterday: dt.date
    replay_first: dt.date
    grace_days: int

    @property
    def history_start(self) -> dt.datetime:
        return self.midnight(self.yesterday - dt.timedelta(days=HISTORY_DAYS - 1))

    @property
    def end(self) -> dt.datetime:
        """Return the cutoff of yesterday: nothing in the demo happens at or after it."""
        return self.midnight(self.yesterday + dt.timedelta(days=1))

    @property
    def replay_start(self) -> dt.datetime:
        return self.midnight(self.replay_first)

    def midnight(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(0), tzinfo=self.zone)


def build_timeline(*, today: dt.date, zone: ZoneInfo, grace_days: int) -> Timeline:
    """Return the timeline whose replay is one grace period plus a few weeks long, ending yesterday."""
    yesterday = today - dt.timedelta(days=1)
    replay_days = grace_days + REPLAY_DAYS_AFTER_GRACE
    return Timeline(
        zone=zone,
        yesterday=yesterday,
        replay_first=yesterday - dt.timedelta(days=replay_days - 1),
        grace_days=grace_days,
    )


@dataclasses.dataclass
class _Seller:
    id: str
    persona: Persona
    joined_at: dt.datetime
    # (start, habits), sorted by start; the first start is when work begins.
    phases: list
    # (date, number of orders cancelled at once)
    cancellation_bursts: list
    services: list = dataclasses.field(default_factory=list)
    clients: list = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class DemoData:
    """The rows of every CSV file, and the ids the seeding command needs afterwards."""

    timeline: Timeline
    users: list = dataclasses.field(default_factory=list)
    services: list = dataclasses.field(default_factory=list)
    orders: list = dataclasses.field(default_factory=list)
    reviews: list = dataclasses.field(default_factory=list)
    conversations: list = dataclasses.field(default_factory=list)
    messages: list = dataclasses.field(default_factory=list)
    persona_counts: dict = dataclasses.field(default_factory=dict)
    # Seller id to persona name, for reports and tests.
    personas: dict = dataclasses.field(default_factory=dict)
    demo_seller_id: str = ""
    demo_buyer_id: str = ""

    def write_csv(self, directory: Path) -> None:
        """Write the six files of the import format into ``directory``."""
        files = {
            "users.csv": ("id", "username", "display_name", "is_seller", "joined_at", self.users),
            "services.csv": ("id", "seller_id", "title", "category", "price", "status", "created_at",
                             self.services),
            "orders.csv": ("id", "service_id", "buyer_id", "price", "status", "created_at",
                           "completed_at", "cancelled_at", self.orders),
            "reviews.csv": ("id", "order_id", "rating", "comment", "created_at", self.reviews),
            "conversations.csv": ("id", "seller_id", "buyer_id", "started_at", self.conversations),
            "messages.csv": ("id", "conversation_id", "sender", "sent_at", "body", self.messages),
        }
        directory.mkdir(parents=True, exist_ok=True)
        for name, (*header, rows) in files.items():
            with open(directory / name, "w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(header)
                writer.writerows(rows)


class DemoGenerator:
    """Draw a marketplace of ``sellers`` sellers and ``buyers`` buyers over the timeline."""

    def __init__(self, *, timeline: Timeline, sellers: int, buyers: int, seed: int = DEFAULT_SEED):
        if sellers < 1 or buyers < 1:
            raise ValueError(f"A demo needs at least one seller and one buyer, not {sellers} and {buyers}.")
        self.timeline = timeline
        self.seller_count = sellers
        self.buyer_count = buyers
        self.rng = random.Random(seed)
        self.data = DemoData(timeline=timeline)
        self.usernames: set[str] = set()
        self.counters: dict[str, int] = {}

    def generate(self) -> DemoData:
        buyer_ids, buyer_joins = self._make_buyers()
        self.buyer_ids, self.buyer_joins = buyer_ids, buyer_joins
        sellers = self._make_sellers()

        self.buyer_orders = dict.fromkeys(buyer_ids, 0)
        for seller in sellers:
            self._make_services(seller)
            self._simulate(seller)

        self._name_demo_users(sellers)
        self.data.orders.sort(key=lambda row: row[5])
        return self.data

    # People

    def _next_id(self, prefix: str, width: int) -> str:
        self.counters[prefix] = self.counters.get(prefix, 0) + 1
        return f"{prefix}{self.counters[prefix]:0{width}d}"

    def _person(self) -> tuple[str, str]:
        """Return an Arabic display name and a unique Latin username for it."""
        first_names = MALE_NAMES if self.rng.random() < 0.6 else FEMALE_NAMES
        first_ar, first_latin = self.rng.choice(first_names)
        family_ar, family_latin = self.rng.choice(FAMILY_NAMES)
        base = self.rng.choice((
            f"{first_latin}.{family_latin}", f"{first_latin}_{family_latin}", f"{first_latin}{family_latin[:3]}",
        ))
        username = base
        while username in self.usernames:
            username = f"{base}{self.rng.randint(1, 99)}"
        self.usernames.add(username)
        return f"{first_ar} {family_ar}", username

    def _make_buyers(self) -> tuple[list[str], list[dt.datetime]]:
        """Create the buyers, sorted by join time so a buyer is drawn only after joining."""
        start = self.timeline.history_start
        span = (self.timeline.end - start).total_seconds()
        joins = []
        for _ in range(self.buyer_count):
            if self.rng.random() < 0.4:
                joined = start - dt.timedelta(days=self.rng.uniform(1, 500))
            else:
                joined = start + dt.timedelta(seconds=self.rng.uniform(0, span * 0.95))
            joins.append(joined)
        joins.sort()

        ids = []
        for joined in joins:
            buyer_id = self._next_id("b", 5)
            display_name, username = self._person()
            self.data.users.append([buyer_id, username, display_name, "0", _iso(joined, self.timeline.zone)])
            ids.append(buyer_id)
        return ids, joins

    def _persona_counts(self) -> list[tuple[Persona, int]]:
        counts = []
        left = self.seller_count
        for persona in PERSONAS[:-1]:
            count = min(left, max(persona.minimum, round(persona.share * self.seller_count)))
            counts.append((persona, count))
            left -= count
        counts.append((PERSONAS[-1], left))
        return counts

    def _make_sellers(self) -> list[_Seller]:
        sellers = []
        for persona, count in self._persona_counts():
            self.data.persona_counts[persona.name] = count
            for _ in range(count):
                sellers.append(self._plan_seller(persona))

        # Shuffled so that seller ids do not reveal the persona.
        self.rng.shuffle(sellers)
        for seller in sellers:
            seller.id = self._next_id("s", 4)
            self.data.personas[seller.id] = seller.persona.name
            display_name, username = self._person()
            self.data.users.append(
                [seller.id, username, display_name, "1", _iso(seller.joined_at, self.timeline.zone)]
            )
        return sellers

    def _plan_seller(self, persona: Persona) -> _Seller:
        """Place the persona's habits and incidents on the timeline, with some spread."""
        t = self.timeline
        rng = self.rng
        days = dt.timedelta(days=1)
        established = t.history_start - rng.uniform(10, 400) * days
        seller = _Seller("", persona, established, [], [])

        if persona.name == "star":
            seller.phases = [(established, EXCELLENT)]
        elif persona.name == "rising":
            # Joins a few weeks before the replay: level 2 at its start, level 3 within it.
            seller.joined_at = t.replay_start - rng.uniform(15, 45) * days
            seller.phases = [(seller.joined_at, EXCELLENT)]
        elif persona.name == "promising":
            seller.joined_at = t.replay_start + rng.uniform(30, 110) * days
            seller.phases = [(seller.joined_at, PROMISING)]
        elif persona.name == "pro":
            seller.phases = [(established, GOOD)]
        elif persona.name == "slipping":
            # The drop starts 50 to 140 days before yesterday, so the grace period it
            # opens is still running at the end of the replay.
            drop = t.end - rng.uniform(50, 140) * days
            seller.phases = [(established, rng.choice((EXCELLENT, GOOD))), (drop, SLIPPING)]
        elif persona.name == "fading":
            # A burst of cancellations early in the replay opens a grace period that
            # runs out before yesterday; the seller never gets back on track.
            drop = t.replay_start + rng.uniform(3, REPLAY_DAYS_AFTER_GRACE - 12) * days
            if rng.random() < 0.5:
                # A top seller who loses level 3 only: the completion rate falls
                # between the thresholds of levels 2 and 3.
                seller.phases = [(established, EXCELLENT), (drop, TIRED)]
                seller.cancellation_bursts = [(drop, _burst_size(EXCELLENT, Fraction(9, 10)))]
            else:
                seller.phases = [(established, GOOD), (drop, ABSENT)]
                seller.cancellation_bursts = [(drop, _burst_size(GOOD, Fraction(8, 10)))]
        elif persona.name == "recovering":
            drop = t.replay_start + rng.uniform(20, 50) * days
            seller.phases = [(established, GOOD), (drop, COMEBACK)]
            seller.cancellation_bursts = [(drop, _burst_size(GOOD, Fraction(8, 10), margin=Fraction(115, 100)))]
        elif persona.name == "newcomer":
            seller.joined_at = t.end - rng.uniform(5, 200) * days
            seller.phases = [(seller.joined_at, NEWCOMER)]
        else:
            seller.joined_at = t.history_start + rng.uniform(-300, 500) * days
            seller.phases = [(seller.joined_at, rng.choice(CASUAL))]
        return seller

    def _name_demo_users(self, sellers: list[_Seller]) -> None:
        """Give fixed usernames to a level 2 seller in a grace period and to a busy buyer."""
        demo_seller = next(
            (s for s in sellers if s.persona.name == "slipping" and s.phases[0][1] is GOOD),
            next((s for s in sellers if s.persona.name == "slipping"), sellers[0]),
        )
        demo_buyer = max(self.buyer_orders, key=lambda buyer_id: (self.buyer_orders[buyer_id], buyer_id))
        self.data.demo_seller_id = demo_seller.id
        self.data.demo_buyer_id = demo_buyer
        for row in self.data.users:
            if row[0] == demo_seller.id:
                row[1] = "demo_seller"
            elif row[0] == demo_buyer:
                row[1] = "demo_buyer"

    # Services

    def _make_services(self, seller: _Seller) -> None:
        rng = self.rng
        persona = seller.persona
        categories = rng.sample(sorted(TITLES), k=1 if rng.random() < 0.6 else 2)
        count = rng.randint(*persona.services)
        titles = [(slug, title) for slug in categories for title in TITLES[slug]]
        chosen = rng.sample(titles, k=min(count, len(titles)))
        cap = 5 if persona.price_level == 1 else 10

        for index, (slug, title) in enumerate(chosen):
            # The first service opens with the account; the others follow over months.
            offset = 0 if index == 0 else rng.uniform(1, 240)
            created = min(seller.joined_at + dt.timedelta(days=offset), self.timeline.end - dt.timedelta(hours=1))
            status = "active" if index < cap and rng.random() < 0.92 else "paused"
            price = Decimal(rng.choice(PRICES_BY_LEVEL[persona.price_level]))
            service_id = self._next_id("svc", 5)
            seller.services.append((service_id, created, price, title))
            self.data.services.append([
                service_id, seller.id, title + rng.choice(TITLE_SUFFIXES), slug, f"{price:.2f}", status,
                _iso(created, self.timeline.zone),
            ])

    # Orders, reviews and inquiries

    def _simulate(self, seller: _Seller) -> None:
        """Draw the seller's orders and inquiries day by day, following the habits in force."""
        t = self.timeline
        first_day = max(seller.joined_at, t.history_start)
        day = t.midnight(first_day.astimezone(t.zone).date())
        phase_starts = [start for start, _ in seller.phases]

        while day < t.end:
            habits = seller.phases[max(0, bisect.bisect_right(phase_starts, day) - 1)][1]
            for _ in range(_poisson(self.rng, habits.orders_per_week / 7)):
                self._order(seller, self._daytime(day), habits)
            for _ in range(_poisson(self.rng, habits.inquiries_per_week / 7)):
                self._inquiry(seller, self._daytime(day), habits)
            day += dt.timedelta(days=1)

        for when, size in seller.cancellation_bursts:
            self._cancellation_burst(seller, when, size)

    def _daytime(self, day: dt.datetime) -> dt.datetime:
        """Return a moment of ``day`` between 08:00 and midnight, when buyers are about."""
        return day + dt.timedelta(hours=8 + self.rng.random() * 16)

    def _pick_buyer(self, seller: _Seller, when: dt.datetime, *, repeat_share: float = 0.0) -> str:
        if seller.clients and self.rng.random() < repeat_share:
            return self.rng.choice(seller.clients)
        joined = bisect.bisect_left(self.buyer_joins, when)
        return self.buyer_ids[self.rng.randrange(max(joined, 1))]

    def _service_at(self, seller: _Seller, when: dt.datetime):
        open_services = [service for service in seller.services if service[1] <= when]
        return self.rng.choice(open_services) if open_services else None

    def _order(self, seller: _Seller, created: dt.datetime, habits: Habits, *, buyer: str | None = None,
               cancelled: bool | None = None) -> None:
        service = self._service_at(seller, created)
        if service is None or created >= self.timeline.end:
            return
        service_id, _, price, _ = service
        buyer = buyer or self._pick_buyer(seller, created, repeat_share=0.25)
        if cancelled is None:
            cancelled = self.rng.random() < habits.cancel_share

        end = self.timeline.end
        completed_at = cancelled_at = None
        if cancelled:
            cancelled_at = created + dt.timedelta(hours=self.rng.uniform(3, 120))
            status = "cancelled" if cancelled_at < end else "open"
        else:
            delivered = created + dt.timedelta(days=self.rng.uniform(0.5, 5))
            completed_at = delivered + dt.timedelta(hours=self.rng.uniform(2, 72))
            if completed_at < end:
                status = "completed"
            elif delivered < end:
                status = "delivered"
            else:
                status = "open"
        if status != "completed":
            completed_at = None
        if status != "cancelled":
            cancelled_at = None

        order_id = self._next_id("o", 6)
        zone = self.timeline.zone
        self.data.orders.append([
            order_id, service_id, buyer, f"{price:.2f}", status, _iso(created, zone),
            _iso(completed_at, zone), _iso(cancelled_at, zone),
        ])
        self.buyer_orders[buyer] += 1
        if status == "completed":
            seller.clients.append(buyer)
            if self.rng.random() < habits.review_share:
                self._review(order_id, completed_at, habits)

    def _review(self, order_id: str, completed_at: dt.datetime, habits: Habits,
                rating: int | None = None) -> None:
        created = completed_at + dt.timedelta(minutes=self.rng.uniform(10, 36 * 60))
        if created >= self.timeline.end:
            return
        if rating is None:
            rating = self.rng.choices((5, 4, 3, 2, 1), weights=habits.rating_weights)[0]
        comment = self.rng.choice(REVIEW_COMMENTS[rating]) if self.rng.random() < 0.8 else ""
        self.data.reviews.append(
            [self._next_id("r", 6), order_id, str(rating), comment, _iso(created, self.timeline.zone)]
        )

    def _inquiry(self, seller: _Seller, started: dt.datetime, habits: Habits) -> None:
        """Write a conversation: the buyer writes first, the seller may reply, and the buyer may order."""
        service = self._service_at(seller, started)
        if service is None:
            return
        rng = self.rng
        end = self.timeline.end
        zone = self.timeline.zone
        buyer = self._pick_buyer(seller, started, repeat_share=0.1)
        conversation_id = self._next_id("c", 6)
        self.data.conversations.append([conversation_id, seller.id, buyer, _iso(started, zone)])

        def say(sender: str, when: dt.datetime, body: str) -> bool:
            if when >= end:
                return False
            self.data.messages.append([self._next_id("m", 7), conversation_id, sender, _iso(when, zone), body])
            return True

        say("buyer", started, rng.choice(BUYER_OPENINGS).format(title=service[3]))
        low, high = habits.reply_hours
        answered = rng.random() < habits.reply_share
        replied = started + dt.timedelta(hours=math.exp(rng.uniform(math.log(low), math.log(high))))
        if not (answered and say("seller", replied, rng.choice(SELLER_REPLIES))):
            # An unanswered buyer sometimes orders anyway, rarely.
            if rng.random() < habits.conversion_share / 5:
                self._order(seller, started + dt.timedelta(days=rng.uniform(1, 20)), habits, buyer=buyer)
            return

        converts = rng.random() < habits.conversion_share
        follow_up = replied + dt.timedelta(minutes=rng.uniform(5, 360))
        lines = BUYER_FOLLOW_UPS_ORDERED if converts else BUYER_FOLLOW_UPS_UNDECIDED
        if say("buyer", follow_up, rng.choice(lines)) and rng.random() < 0.5:
            say("seller", follow_up + dt.timedelta(minutes=rng.uniform(5, 180)), rng.choice(SELLER_CLOSINGS))
        if converts:
            self._order(seller, follow_up + dt.timedelta(minutes=rng.uniform(2, 600)), habits, buyer=buyer)

    def _cancellation_burst(self, seller: _Seller, when: dt.datetime, size: int) -> None:
        """Cancel ``size`` orders placed in the three weeks before ``when``, all on that day.

        This is a seller who took on far more than they could deliver and gave
        up. The cancellations pull the completion rate under the level's
        threshold on that date.
        """
        zone = self.timeline.zone
        for _ in range(size):
            created = when - dt.timedelta(days=self.rng.uniform(1, 21))
            service = self._service_at(seller, created)
            if service is None:
                continue
            buyer = self._pick_buyer(seller, created)
            cancelled_at = when + dt.timedelta(hours=self.rng.uniform(9, 14))
            status = "cancelled" if cancelled_at < self.timeline.end else "open"
            self.data.orders.append([
                self._next_id("o", 6), service[0], buyer, f"{service[2]:.2f}", status, _iso(created, zone), "",
                _iso(cancelled_at, zone) if status == "cancelled" else "",
            ])
            self.buyer_orders[buyer] += 1


def _burst_size(habits: Habits, completion_rate: Fraction, margin: Fraction = Fraction(14, 10)) -> int:
    """Return enough cancellations to pull a year of such work under ``completion_rate``.

    With C completions in a year, completed / (completed + cancelled) falls
    under the rate once cancelled exceeds C * (1 / rate - 1). The burst is that
    times ``margin``, which covers the spread of the seller's own numbers. A
    small margin keeps a burst meant to cost level 3 above the threshold of
    level 2, and lets a seller recover within a few weeks.
    """
    completions = habits.orders_per_week * 52 * (1 - habits.cancel_share)
    return math.ceil(completions * (1 / completion_rate - 1) * margin)


def _poisson(rng: random.Random, mean: float) -> int:
    """Draw from a Poisson distribution (Knuth's method, fine for the small means here)."""
    limit = math.exp(-mean)
    count = 0
    product = rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def _iso(moment: dt.datetime | None, zone: ZoneInfo) -> str:
    if moment is None:
        return ""
    return moment.astimezone(zone).isoformat(timespec="seconds")


def generate(*, timeline: Timeline, sellers: int, buyers: int | None = None,
             seed: int = DEFAULT_SEED) -> DemoData:
    """Return the demo marketplace for ``timeline``; buyers default to five per seller."""
    buyers = buyers if buyers is not None else sellers * BUYERS_PER_SELLER
    return DemoGenerator(timeline=timeline, sellers=sellers, buyers=buyers, seed=seed).generate()
