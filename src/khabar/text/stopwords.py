"""An Arabic stopword list written for khabar (Apache-2.0, no GPL list used).

Function words of Modern Standard Arabic news: prepositions and their clitic
forms, conjunctions, particles, pronouns, demonstratives, relatives,
interrogatives, auxiliary and reporting verbs, and the quantifiers and time
words that carry no topic. Written in ordinary spelling below and compared on
the match level (alef forms, ى/ي and ة/ه folded), so one entry covers its
spelling variants.
"""

from __future__ import annotations

from functools import lru_cache

from khabar.text.normalize import fold_match

_WORDS = """
من إلى الى عن في فى مع منذ مذ حتى حتي لدى لدي عند عندما بين بينما خلال ضد نحو حول دون تحت فوق خلف وراء بعد قبل عبر لدن
ب ل ك و ف ثم أو او أم ام بل لكن لكنه لكنها لكنهم لكن إذ إذا اذا إذن لو لولا لوما كي لكي لئلا حيث حين حينما كلما ريثما
أن إن ان أنّ إنّ أنه إنه انه أنها إنها انها أنهم إنهم انهم أنهما كأن كأنه لأن لان لأنه لانه لأنها ليت لعل
لا لم لن ما ليس ليست ليسوا لست قد لقد سوف س هل أ ألا الا إلا أما اما إما ما لما لماذا ماذا متى أين اين كيف كم أي اي أية ايه
هو هي هم هن هما أنا انا نحن أنت انت أنتم انتم أنتن أنتما إياه اياه إياها إياهم
هذا هذه هذي ذلك تلك ذاك هؤلاء هاؤلاء أولئك اولئك هنا هناك هنالك ثمة ثمّة
الذي التي الذين اللذين اللتين اللذان اللتان اللاتي اللائي اللواتي من ما
كل كلا كلتا بعض غير سوى سائر جميع عدة عدد أحد احد إحدى احدى أي نفس ذات ذاته ذاتها نفسه نفسها أيضا ايضا أيضاً
كان كانت كانوا كن يكون تكون يكونوا يكن تكن أصبح اصبح أصبحت أضحى أمسى ظل ظلت بات صار صارت ليس ما زال مازال لا يزال لايزال ما دام
أصبحوا يصبح تصبح أضحت أمست ظلوا يظل تظل باتت باتوا يبات صاروا يصير تصير زالت مازالت تزال لاتزال زالوا دامت انفك ينفك برح يبرح فتئ يفتأ
قال قالت يقول تقول قالوا أكد اكد أكدت يؤكد أضاف اضاف أضافت يضيف أشار اشار أشارت يشير أوضح اوضح أوضحت يوضح ذكر ذكرت يذكر
وأضاف واضاف وأكد واكد وقال وقالت وأشار واشار وأوضح واوضح وذكر وتابع تابع وبين بين وكان وكانت وهو وهي وهم وهذا وهذه وذلك وتلك
به بها بهم بهما له لها لهم لهما لنا لي لك لكم منه منها منهم منهما عنه عنها عنهم عليه عليها عليهم فيه فيها فيهم إليه اليه إليها اليها إليهم اليهم
معه معها معهم بينه بينها بينهم عنده عندها عندهم لديه لديها لديهم
كما كذلك مثل مثلا مثلاً وفق وفقا وفقاً طبقا طبقاً حسب بحسب نحو تجاه جراء إثر اثر عقب لدى إزاء ازاء بشأن بخصوص حيال
فقط أيضا جدا جداً تماما تماماً أكثر اكثر أقل اقل أكبر اكبر أول اول آخر اخر أخرى اخرى الآخر الاخر الأخرى الاخرى
اليوم أمس امس غدا غداً الآن الان حاليا حالياً يوم أيام ايام عام العام سنة السنة شهر الشهر أسبوع اسبوع الأسبوع الاسبوع
وقد فقد ولم ولن ولا وما وفي ومن وإلى والى وعن ومع وبعد وقبل وأن وان وإن فإن فان لذلك لذا ولذلك وهكذا هكذا
يمكن تم يتم وتم ويتم تمت حيث حيثما أثناء اثناء لدينا عليها إلى جانب جانب ضمن إطار اطار
أعلن أعلنت يعلن تعلن أعلنوا وأعلن وأعلنت كشف كشفت يكشف وكشف نفى نفت ينفي ونفى دعا دعت يدعو ودعا طالب طالبت يطالب
أفاد أفادت يفيد وأفاد أفادت أوردت أورد نقل نقلت ينقل ونقل صرح صرحت يصرح وصرح اعتبر اعتبرت يعتبر واعتبر
لفت لفتت يلفت ولفت بيّن بينت يبين تابع تابعت يتابع شدد شددت يشدد وشدد أبدى أبدت رأى يرى ترى يعد تعد يعتبر
"""

# Stopwords only in this exact spelling: folded, they would swallow a name
# (على "on" vs علي "Ali", أمام "in front of" vs إمام "imam", as in عادل إمام).
EXACT_STOPWORDS: frozenset[str] = frozenset({"على", "أمام", "امام"})

STOPWORDS: frozenset[str] = frozenset(fold_match(word) for word in _WORDS.split())

# Words that look like و/ف + a stopword but are words of their own: ولي (guardian, as in ولي العهد).
_NOT_CONJUNCTION = frozenset({"ولي", "وكل", "وفي"})


@lru_cache(maxsize=1 << 18)  # asked of every token of every text; the vocabulary repeats (Zipf)
def is_stopword(token: str) -> bool:
    """True when a token (display form, diacritics removed) is a stopword, alone or after the
    conjunction و or ف ("and", "so"): والتي, فإن, وقال."""
    return is_folded_stopword(token, fold_match(token))


def is_folded_stopword(token: str, folded: str) -> bool:
    """:func:`is_stopword` of a token whose :func:`fold_match` the caller has made already (``folded``).

    The MATCH rows leave و and ف alone, so after either letter the fold of the rest is the rest of
    ``folded``: one fold serves both readings. Reading a text computes each new word's fold once for
    all it asks of the word (:mod:`khabar.text.reading`), where folding took 0.75 µs a word.
    """
    if token in EXACT_STOPWORDS or folded in STOPWORDS:
        return True
    if len(token) < 3 or token[0] not in "وف" or token in _NOT_CONJUNCTION:
        return False
    return token[1:] in EXACT_STOPWORDS or folded[1:] in STOPWORDS
