"""English sentence templates per theme and mood (neg, pos, ask, idea), written for the demo."""

from __future__ import annotations

CORES: dict[str, dict[str, list[str]]] = {
    "delivery.late": {
        "neg": [
            "Ordered {dish} {when} and waited {wait}. It arrived stone cold.",
            "The app said {eta_min} minutes, it took {wait}. Lunch became dinner.",
            "Late again! Third time this week, {rider} said they're overloaded.",
            "Placed the order at {time} and got it {wait} later. Everyone at home was starving.",
            "Deliveries have become so slow lately. Used to be 30 minutes, now it's always an hour.",
            "{late_min} minutes late with no notification and no compensation. Not acceptable.",
            "Needed the {product} for dinner, waited {wait}. Too late to cook anything.",
            "Your 30-minute promise is a joke, still waiting after {wait}.",
            "Every evening order in {city} takes over an hour now. What happened?",
            "The {dish} arrived {late_min} minutes late and the soup was lukewarm.",
            "Order {order} was {late_min} minutes late and nobody answered my claim for compensation.",
            "I can't rely on you anymore when I'm in a hurry, everything shows up late.",
        ],
        "pos": [
            "Super fast delivery today, under {eta_min} minutes!",
            "{rider} was quick, twenty minutes from order to door.",
            "Always on time, even at peak dinner hours.",
            "Arrived ten minutes earlier than estimated. Impressive.",
            "Got my {product} within half an hour, so convenient.",
        ],
        "ask": [
            "Do I get compensation when an order is late? Order {order} was {late_min} min late.",
            "Why are deliveries so slow recently? Not enough riders?",
        ],
        "idea": [
            "Please add more riders at peak times, deliveries are way too slow now.",
            "Late orders should be compensated automatically, not only when we complain.",
        ],
    },
    "delivery.eta": {
        "neg": [
            "The estimated time kept jumping, it changed {times} times.",
            "The rider's dot on the map didn't move for 20 minutes. No idea when it'll arrive.",
            "ETA said {eta_min} minutes, reality was almost an hour.",
            "Tracking said 'on the way' but the rider hadn't even picked it up.",
        ],
        "pos": [
            "The ETA is spot on every time.",
            "Live tracking is great, I can see exactly where the rider is.",
        ],
        "ask": ["How is the estimated delivery time calculated? It keeps changing."],
        "idea": ["Just tell us early when an order will be late instead of moving the ETA."],
    },
    "delivery.rider_attitude": {
        "neg": [
            "{rider} was rude and hung up on me when I asked him to come upstairs.",
            "Asked if he could hurry and {rider} yelled at me. Pretty scary.",
            "{rider} threw the bag on the floor and left without a word.",
        ],
        "pos": [
            "{rider_name} was so polite and carried the bags upstairs in the rain.",
            "Lovely rider today, called ahead and warned me the soup was hot.",
            "Our rider went back to fetch the drink he forgot. Great attitude.",
        ],
        "ask": ["How do I report a rude rider? Can't find the option."],
        "idea": ["Please add a way to tip riders, some of them work really hard."],
    },
    "delivery.wrong_address": {
        "neg": [
            "My order went to the wrong building, took 20 minutes to find it.",
            "{rider} marked it delivered but left it at the compound gate.",
            "Address was perfectly clear, {district}, building 5, and it still went to the wrong place.",
            "Shows delivered but I never got it. The rider says it's in a locker somewhere.",
        ],
        "pos": ["The rider called to double check my door number, very careful."],
        "ask": ["It says delivered but I have nothing. What do I do?"],
        "idea": ["Let us choose 'deliver to the door' properly, it always ends up downstairs."],
    },
    "delivery.fee": {
        "neg": [
            "Delivery fee went up again, {fee} yuan for two kilometres.",
            "Minimum order and delivery fee both went up, ordering for one person isn't worth it.",
            "Free delivery used to start at 29, now it's 59.",
        ],
        "pos": ["Free delivery with the membership is a great deal."],
        "ask": ["Why is the delivery fee different every time?"],
        "idea": ["Would love free delivery promos in the evening too."],
    },
    "quality.spoiled": {
        "neg": [
            "Half of the {product} were rotten. Photos attached.",
            "The {product} smelled off, definitely not fresh. Wouldn't give it to {people}.",
            "The milk had expired two days before delivery. Do you not check?",
            "The {product} were moldy when I opened the box.",
            "Bought {n} packs of {product}, the ones at the bottom were all crushed.",
            "The cold chain failed, the {product} arrived warm.",
        ],
        "pos": [
            "The {product} were incredibly fresh, better than the wet market.",
            "Produce is always fresh and carefully picked.",
            "The {product} were sweet and huge, {people} loved them.",
        ],
        "ask": ["Can I return {product} that aren't fresh? Do you need photos?"],
        "idea": ["Please show the packing date on fresh {product}."],
    },
    "quality.taste": {
        "neg": [
            "The {dish} was way too salty, couldn't finish it.",
            "The {dish} tastes nothing like before, did they change the chef?",
            "The {dish} was bland and slightly undercooked.",
            "Asked for mild and the {dish} was insanely spicy. Also cold.",
        ],
        "pos": [
            "The {dish} was delicious, really authentic.",
            "Food was great, best {dish} I've had in {city}.",
            "The {dish} tasted amazing, {people} asked where I ordered it.",
            "Ordered the {dish} {times} times already, never disappoints.",
        ],
        "ask": ["Can the {dish} be made without chili? My note seems to be ignored."],
        "idea": ["Please add taste preference options instead of the free-text note."],
    },
    "quality.portion": {
        "neg": [
            "The {dish} portion keeps shrinking, {amount} yuan for this?",
            "The photo shows a full bowl, I got half a bowl.",
        ],
        "pos": ["Generous portion, the {dish} fed two of us.", "Great portions for {amount} yuan."],
        "ask": ["How many people is the {dish} for? The page doesn't say."],
        "idea": ["Please list portion sizes or weights."],
    },
    "quality.missing": {
        "neg": [
            "The drinks were missing from my order.",
            "Ordered {n} items and only {times} arrived, no {product}.",
            "No rice with the {dish}. How am I supposed to eat that?",
            "You forgot the {product} again, the store says it was packed.",
        ],
        "pos": ["Everything was there, they even added a little gift."],
        "ask": ["Will missing items be resent or refunded?"],
        "idea": ["Please check the list before sealing the bag."],
    },
    "quality.wrong": {
        "neg": [
            "I ordered {dish} and got someone else's food.",
            "They substituted my {product} without asking.",
            "Wrong size delivered, paid for large and got small.",
        ],
        "pos": ["They called me before substituting an out-of-stock item. Thoughtful."],
        "ask": ["Do I need to return the wrong items?"],
        "idea": ["Ask before substituting, please don't just swap things."],
    },
    "price.high": {
        "neg": [
            "Prices are much higher than the supermarket, {product} cost {small} yuan more.",
            "Prices went up again, the same {dish} is {small} yuan more than last month.",
            "Packing fee plus delivery fee adds {small} yuan to every order. Too expensive.",
        ],
        "pos": [
            "Very reasonable prices, {product} cheaper than the market.",
            "Great value for money.",
        ],
        "ask": ["Why does the price of the same item change every day?"],
        "idea": ["More affordable everyday basics please, not just imported stuff."],
    },
    "price.coupon_fail": {
        "neg": [
            "{coupon} didn't work at checkout, says conditions not met but they were.",
            "I claimed {coupon} and it disappeared when I tried to use it.",
            "The discount wasn't applied, I paid {small} yuan more than I should have.",
            "Coupon shows as valid, then says expired when I tap it. Feels like a trick.",
        ],
        "pos": ["{coupon} worked perfectly, saved {small} yuan."],
        "ask": ["Why can't I combine {coupon} with the member discount?"],
        "idea": ["Please remind us before coupons expire."],
    },
    "price.member": {
        "neg": [
            "Membership perks got cut, free delivery is now only {times} times a week.",
            "The membership auto-renewed without any reminder.",
        ],
        "pos": [
            "The membership pays for itself, saved a lot this month.",
            "Member day discounts are great.",
        ],
        "ask": ["Can I cancel the membership anytime?"],
        "idea": ["A birthday gift for members would be nice."],
    },
    "app.crash": {
        "neg": [
            "The app crashes as soon as I open it. Reinstalling didn't help.",
            "Since the update the app is so laggy, pages never finish loading.",
            "Checkout page goes blank, tried {times} times.",
            "App froze right after paying with {pay}, no idea if the order went through.",
        ],
        "pos": ["The new version is much smoother.", "Clean interface, really easy to use."],
        "ask": ["Why does the app keep crashing on my Android phone?"],
        "idea": ["A lite mode for older phones would help."],
    },
    "app.search": {
        "neg": [
            "Searching for {product} shows a bunch of unrelated stuff.",
            "Search is useless, one typo and nothing comes up.",
            "Filters don't work, I pick {district} and still see stores across town.",
        ],
        "pos": ["Search works great, finds everything instantly."],
        "ask": ["How do I sort by distance?"],
        "idea": ["Search should remember what I usually buy."],
    },
    "app.feature": {
        "neg": ["Still no {feature}? Other apps have had it for years."],
        "pos": ["Loving the new {feature}."],
        "ask": ["Is there {feature}? Couldn't find it.", "Can I set up {feature} somewhere?"],
        "idea": [
            "Please add {feature}, it would make life much easier.",
            "Would be nice to have {feature}.",
            "Feature request: {feature}.",
        ],
    },
    "payment.failure": {
        "neg": [
            "Payment with {pay} failed {times} times in a row.",
            "Checkout says 'system busy', switched to {pay} and still can't pay.",
            "Got charged but the order says unpaid. The payment page errored out.",
            "The payment flow bounces between three screens and then fails anyway.",
        ],
        "pos": [
            "The new checkout is so smooth, paid in one tap.",
            "Paying is much faster now, {pay} goes through instantly.",
            "Payment problems are gone since the update, thank you.",
        ],
        "ask": ["Payment failed but money was taken. When will I get it back?"],
        "idea": ["Please support more payment methods."],
    },
    "payment.double": {
        "neg": [
            "I was charged twice for one order, {amount} yuan two times!",
            "{pay} shows two charges for a single order. Please fix this.",
        ],
        "pos": [],
        "ask": ["How do I get a double charge refunded? Order {order}."],
        "idea": [],
    },
    "service.response": {
        "neg": [
            "Waited 30 minutes on hold for a human agent.",
            "The chat is only a bot, impossible to reach a real person.",
            "Sent {times} messages, no reply at all.",
            "Reported this three days ago and still no response.",
        ],
        "pos": [
            "Support replied within a minute and fixed it.",
            "Very fast response from {agent}.",
        ],
        "ask": ["What are the hours for live support?"],
        "idea": ["Please have human agents in the evening too."],
    },
    "service.attitude": {
        "neg": [
            "{agent} just copy-pasted the same answer over and over.",
            "{agent} kept telling me to wait for a notification. Useless.",
            "Store blames the rider, rider blames the store, {agent} blames both.",
        ],
        "pos": [
            "{agent} was very patient and sorted everything out.",
            "Friendly agent, gave me a {small} yuan voucher for the trouble.",
        ],
        "ask": ["Where can I rate the support chat?"],
        "idea": ["Let agents actually resolve issues instead of transferring me around."],
    },
    "refund.progress": {
        "neg": [
            "Requested a refund {days} days ago, still nothing.",
            "Refund has been 'processing' forever. When do I get my money?",
            "Cancelled {hours} hours ago and the {amount} yuan hasn't come back.",
        ],
        "pos": [
            "Refund arrived within minutes, great.",
            "After-sales was quick, refunded the same day.",
        ],
        "ask": ["How long do refunds usually take?"],
        "idea": ["Show the refund status step by step please."],
    },
    "refund.request": {
        "neg": [
            "My claim was rejected because the photo was 'unclear'. The fruit was rotten!",
            "You need {n} photos and a description to claim anything. Too much hassle.",
        ],
        "pos": ["Claim approved instantly after one photo."],
        "ask": ["Can I still make a claim after 24 hours?"],
        "idea": ["Spoiled produce should be a one-tap refund."],
    },
    "packaging.leak": {
        "neg": [
            "The new containers leak! {soup} all over the bag and my {dish} swimming in it.",
            "The lids on the new boxes don't close properly, {soup} everywhere.",
            "Third time the new packaging leaked. The bag was full of {soup}.",
            "The new paper bowls go soggy and the {soup} seeps through the bottom.",
            "Soup leaking from the new containers again, it got on my laptop bag.",
            "Whatever you changed in the packaging, it leaks. The old boxes were fine.",
        ],
        "pos": [],
        "ask": ["Why do the new boxes leak? Can you go back to the old ones?"],
        "idea": ["Use the old sealed tubs for soups, the new containers leak."],
    },
    "general": {
        "neg": ["The experience keeps getting worse.", "Really disappointed lately."],
        "pos": [
            "Been using FreshDash for two years, very happy overall.",
            "My go-to app for groceries and takeout.",
            "Recommended it to all my friends.",
            "Groceries and food in one app, so convenient.",
            "Solid service overall, will keep using it.",
        ],
        "ask": ["Which areas of {city} do you deliver to?"],
        "idea": ["Please expand to the suburbs of {city}."],
    },
}

OPENERS = {
    "neg": [
        "",
        "",
        "",
        "",
        "Honestly, ",
        "Ugh. ",
        "Not happy. ",
        "Seriously? ",
        "First bad review ever. ",
    ],
    "pos": ["", "", "", "", "Have to say, ", "Shout-out: ", "Wow. ", "Just wanted to say, "],
    "ask": ["", "", "", "Hi, ", "Quick question: ", "Hello, "],
    "idea": ["", "", "", "Suggestion: ", "Small idea: ", "As a long-time user, "],
}

CLOSERS = {
    "neg": [
        "",
        "",
        "",
        "",
        "Please fix this.",
        "I'm about to cancel my account.",
        "So disappointed.",
        "Not the first time.",
        "Do better.",
        "One star.",
        "Won't order again.",
    ],
    "pos": ["", "", "", "", "Keep it up!", "Five stars.", "Thanks!", "Love it."],
    "ask": ["", "", "", "Thanks.", "Please reply.", "Thanks in advance."],
    "idea": ["", "", "", "Thanks!", "Hope you consider it.", "Cheers."],
}

CONNECTORS = ["but", "but honestly", "however", "though", "only problem:", "shame that"]

CHURN = [
    "Switching to another app if this continues.",
    "Not renewing my membership.",
    "Uninstalled.",
]

TYPOS = [
    ("don't", "dont"),
    ("won't", "wont"),
    ("you", "u"),
    ("please", "pls"),
    ("the ", "teh "),
    ("really", "realy"),
    ("received", "recieved"),
    ("because", "cuz"),
    ("minutes", "mins"),
]

SOCIAL_TAGS = ["#FreshDash", "@FreshDash", "#foodDelivery", "#fail", "#lunch"]
EMAIL_GREETINGS = ["Hi team,\n\n", "Hello,\n\n", "Dear FreshDash support,\n\n", "Hi,\n\n", ""]
EMAIL_SIGNOFFS = ["Thanks,", "Regards,", "Best,", "Thank you,"]
PHONE_PREFIX = ["Caller reports: ", "Inbound call: ", "Customer called, said: "]
PHONE_ACTIONS = [
    "Logged, passed to delivery ops.",
    "Apologised, issued {small} yuan voucher.",
    "Ticket created, callback within 24h.",
    "Explained the policy, customer accepted.",
    "Customer upset, escalated to supervisor.",
    "Refund requested on their behalf.",
]
PHONE_ANSWERS = [
    "Answered, customer satisfied.",
    "Suggestion logged for product team.",
    "Explained the process.",
    "Sent help-centre link.",
]
PII = ["My number is {phone}.", "Call me on {phone}.", "Email me at {email}.", "Reach me: {email}"]

REPOST = ["Reposting: ", "Again: ", "Still no answer, so again: ", "Second time: "]

JUNK = [
    "asdfghjkl",
    "........",
    "test{small}",
    "lol",
    "?????????",
    "EARN ${amount} A DAY work from home click here http://earn{small}.example.net",
    "free money promo code FD{small}{small} limited offer",
    "qwertyuiop",
]

# What the customer was doing: gives two texts on the same complaint different openings.
CONTEXT = {
    "food": [
        "Ordered {dish} in {district} {when}.",
        "Got {dish} for {meal} {when}.",
        "Ordered {meal} for {people}.",
        "Order {order}.",
        "Placed the order at {time}.",
        "Ordering lunch at the office {when}.",
        "Working late, so I ordered {dish}.",
        "Treated {people} to {dish} {when}.",
        "Spent {amount} yuan on {meal}.",
        "First time trying the {dish} from this place.",
        "Rainy day, so I ordered {dish} in.",
    ],
    "grocery": [
        "Did my weekly grocery run {when}.",
        "Bought {product} {when}.",
        "Got {product} for {people}.",
        "Order {order}, fresh groceries.",
        "Third grocery order this week.",
        "Ordered {product} first thing in the morning.",
        "Needed {product} for a recipe.",
        "Shipped from the {district} warehouse.",
    ],
    "app": [
        "On version {app_ver}.",
        "Tried to order {when}.",
        "Checking out with {pay} {when}.",
        "Using the app on {platform}.",
        "Just updated to {app_ver}.",
        "Around {time} {when}.",
    ],
    "service": [
        "Contacted {agent} {when}.",
        "About order {order}.",
        "Trying to get help with {product}.",
        "This is message number {times} about this.",
        "Called the hotline {when}.",
    ],
    "shop": [
        "Browsed the app {when}.",
        "Compared a few apps.",
        "Long-time member here.",
        "Saw the homepage promo {when}.",
    ],
}

FEELINGS = {
    "neg": [
        "Still annoyed thinking about it.",
        "{people} told me to stop ordering from you.",
        "Paid {amount} yuan for this frustration.",
        "Ruined my evening.",
        "I have screenshots.",
        "Not worth the price at all.",
        "Friends have had the same issue.",
        "Wasted my whole lunch break.",
        "Seriously considering other apps.",
        "It didn't use to be like this.",
    ],
    "pos": [
        "{people} were very happy.",
        "Money well spent.",
        "You've got a loyal customer.",
        "Already recommended you to {people}.",
        "Made my day.",
        "Way better than other apps.",
    ],
}
PLATFORMS = ["iPhone", "Android", "a Pixel", "iPad", "the mini-program"]
